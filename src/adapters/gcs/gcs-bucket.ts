import { Readable } from 'node:stream';
import type { Bucket, File, Storage } from '@google-cloud/storage';
import { StoreUnavailableError } from '../../application/application-error.js';
import type { RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import type { GcsConfig } from './gcs-config.js';
import { assertObjectKey } from '../../application/object-key.js';

const DEFAULT_SIGNED_URL_TTL_SECONDS = 3600;
// V4 signed URLs cannot live longer than 7 days.
const MAX_SIGNED_URL_TTL_SECONDS = 604_800;
const LIST_PAGE_SIZE = 1000;
// GCS has no batch delete in this SDK: objects are deleted one request each, this many at a time.
const DELETE_CONCURRENCY = 16;

/**
 * The Cloud Storage operations both GCS drivers share: keys under the configured prefix, traversal
 * keys refused, 404 turned into `undefined`, every other failure into `StoreUnavailableError`.
 */
export class GcsBucket {
  private readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly signedUrlTtlSeconds: number;
  private readonly publicBaseUrl: string | undefined;

  constructor(storage: Storage, config: GcsConfig) {
    this.bucket = storage.bucket(config.bucket);
    this.prefix = normalizePrefix(config.prefix);
    this.signedUrlTtlSeconds = config.signedUrlTtlSeconds ?? DEFAULT_SIGNED_URL_TTL_SECONDS;
    if (
      !Number.isInteger(this.signedUrlTtlSeconds) ||
      this.signedUrlTtlSeconds < 1 ||
      this.signedUrlTtlSeconds > MAX_SIGNED_URL_TTL_SECONDS
    ) {
      throw new RangeError(`GCS signedUrlTtlSeconds must be an integer from 1 to ${MAX_SIGNED_URL_TTL_SECONDS}`);
    }
    this.publicBaseUrl = config.publicBaseUrl?.replace(/\/+$/, '');
  }

  async put(key: string, bytes: Uint8Array, contentType: string, cacheControl?: string): Promise<void> {
    const file = this.file(key);
    await this.call(`put ${file.name}`, () =>
      // A single-request (non-resumable) upload is atomic: the object appears complete or not at all.
      file.save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        contentType,
        resumable: false,
        metadata: { contentType, ...(cacheControl === undefined ? {} : { cacheControl }) },
      }),
    );
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const file = this.file(key);
    return this.call(`get ${file.name}`, () => download(file));
  }

  async open(key: string): Promise<StoredObject | undefined> {
    const file = this.file(key);
    return this.call(`open ${file.name}`, async () => {
      let metadata;
      try {
        [metadata] = await file.getMetadata();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      // Buffered, not file.createReadStream(): when a consumer abandons that stream, the SDK (7.x)
      // destroys the whole shared HTTP agent, which kills every other request in flight on it
      // ("socket hang up"). A rendition is held in memory whole when it is rendered anyway.
      const bytes = await download(file);
      if (bytes === undefined) return undefined;
      return {
        body: Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]),
        size: bytes.byteLength,
        contentType: metadata.contentType ?? 'application/octet-stream',
      };
    });
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    await this.call(`delete ${file.name}`, () => file.delete({ ignoreNotFound: true }));
  }

  async purge(prefix: string): Promise<void> {
    const fullPrefix = this.objectPrefix(prefix);
    await this.call(`purge ${fullPrefix}`, async () => {
      let pageToken: string | undefined;
      do {
        const [files, nextQuery] = await this.bucket.getFiles({
          prefix: fullPrefix,
          autoPaginate: false,
          maxResults: LIST_PAGE_SIZE,
          ...(pageToken === undefined ? {} : { pageToken }),
        });
        await deleteAll(files);
        pageToken = (nextQuery as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken !== undefined);
    });
  }

  async locate(key: string): Promise<RenditionLocation> {
    const file = this.file(key);
    if (this.publicBaseUrl !== undefined) {
      return {
        url: `${this.publicBaseUrl}/${file.name.split('/').map(encodeURIComponent).join('/')}`,
        expiresAt: undefined,
      };
    }
    const expiresAt = new Date(Date.now() + this.signedUrlTtlSeconds * 1000);
    const [url] = await this.call(`sign ${file.name}`, () =>
      file.getSignedUrl({ version: 'v4', action: 'read', expires: expiresAt }),
    );
    return { url, expiresAt };
  }

  async check(): Promise<void> {
    // A one-item listing rather than bucket.exists(): reading bucket metadata needs
    // storage.buckets.get, which object-level roles (Storage Object Admin) do not grant.
    await this.call(`check bucket ${this.bucket.name}`, () =>
      this.bucket.getFiles({ prefix: this.prefix, maxResults: 1, autoPaginate: false }),
    );
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new StoreUnavailableError(`GCS bucket ${this.bucket.name}: ${what} failed`, { cause: error });
    }
  }

  private file(key: string): File {
    assertObjectKey(key, 'key');
    return this.bucket.file(this.prefix + key);
  }

  private objectPrefix(prefix: string): string {
    assertObjectKey(prefix, 'prefix');
    return this.prefix + prefix;
  }
}

async function download(file: File): Promise<Uint8Array | undefined> {
  try {
    const [contents] = await file.download();
    return new Uint8Array(contents.buffer, contents.byteOffset, contents.byteLength);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function deleteAll(files: readonly File[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      await file.delete({ ignoreNotFound: true });
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, files.length) }, worker));
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  assertObjectKey(trimmed, 'key');
  return `${trimmed}/`;
}


function isNotFound(error: unknown): boolean {
  // A missing bucket is a 404 too; check() reports that misconfiguration as unavailability.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}
