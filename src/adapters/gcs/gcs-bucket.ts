import { Readable } from 'node:stream';
import type { Bucket, File, Storage } from '@google-cloud/storage';
import type { StoredObject } from '../../application/ports/rendition-cache.js';
import type { ListedObject, ObjectBucket, ObjectMetadata } from '../object-storage/object-bucket.js';
import { unavailableOnFailure } from '../object-storage/object-names.js';
import type { GcsConfig } from './gcs-config.js';

const LIST_PAGE_SIZE = 1000;
// GCS has no batch delete in this SDK: objects are deleted one request each, this many at a time.
const DELETE_CONCURRENCY = 16;

/** A Cloud Storage bucket as an `ObjectBucket`: 404 becomes `undefined`, every other failure `StoreUnavailableError`. */
export class GcsBucket implements ObjectBucket {
  private readonly bucket: Bucket;

  constructor(storage: Storage, config: GcsConfig) {
    this.bucket = storage.bucket(config.bucket);
  }

  async put(name: string, bytes: Uint8Array, metadata: ObjectMetadata): Promise<void> {
    const { contentType, cacheControl } = metadata;
    await this.call(`put ${name}`, () =>
      // A single-request (non-resumable) upload is atomic: the object appears complete or not at all.
      this.bucket.file(name).save(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
        contentType,
        resumable: false,
        metadata: { contentType, ...(cacheControl === undefined ? {} : { cacheControl }) },
      }),
    );
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    return this.call(`get ${name}`, () => download(this.bucket.file(name)));
  }

  async open(name: string): Promise<StoredObject | undefined> {
    const file = this.bucket.file(name);
    return this.call(`open ${name}`, async () => {
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

  async delete(name: string): Promise<void> {
    await this.call(`delete ${name}`, () => this.bucket.file(name).delete({ ignoreNotFound: true }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.call(`purge ${prefix}`, async () => {
      let pageToken: string | undefined;
      do {
        const [files, nextQuery] = await this.bucket.getFiles({
          prefix,
          autoPaginate: false,
          maxResults: LIST_PAGE_SIZE,
          ...(pageToken === undefined ? {} : { pageToken }),
        });
        await deleteAll(files);
        pageToken = (nextQuery as { pageToken?: string } | null | undefined)?.pageToken;
      } while (pageToken !== undefined);
    });
  }

  async *list(prefix: string, maxResults = LIST_PAGE_SIZE): AsyncIterable<ListedObject> {
    let pageToken: string | undefined;
    do {
      const [files, nextQuery] = await this.call(`list ${prefix}`, () =>
        // The delimiter leaves what is below a further '/' out (as prefixes, not read).
        this.bucket.getFiles({ prefix, delimiter: '/', autoPaginate: false, maxResults, ...(pageToken === undefined ? {} : { pageToken }) }),
      );
      for (const file of files) {
        const size = Number(file.metadata.size);
        yield { name: file.name, ...(Number.isSafeInteger(size) ? { bytes: size } : {}) };
      }
      pageToken = (nextQuery as { pageToken?: string } | null | undefined)?.pageToken;
    } while (pageToken !== undefined);
  }

  async sign(name: string, ttlSeconds: number): Promise<string> {
    const [url] = await this.call(`sign ${name}`, () =>
      this.bucket.file(name).getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + ttlSeconds * 1000 }),
    );
    return url;
  }

  async check(prefix: string): Promise<void> {
    // A one-item listing rather than bucket.exists(): reading bucket metadata needs
    // storage.buckets.get, which object-level roles (Storage Object Admin) do not grant.
    await this.call(`check bucket ${this.bucket.name}`, () =>
      this.bucket.getFiles({ prefix, maxResults: 1, autoPaginate: false }),
    );
  }

  private call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return unavailableOnFailure(`GCS bucket ${this.bucket.name}: ${what}`, operation);
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

function isNotFound(error: unknown): boolean {
  // A missing bucket is a 404 too; check() reports that misconfiguration as unavailability.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}
