import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StoreUnavailableError } from '../../application/application-error.js';
import type { RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import type { S3Config } from './s3-config.js';
import { assertObjectKey } from '../../application/object-key.js';

const DEFAULT_SIGNED_URL_TTL_SECONDS = 3600;
// SigV4 presigned URLs cannot live longer than 7 days.
const MAX_SIGNED_URL_TTL_SECONDS = 604_800;
// DeleteObjects accepts at most 1000 keys per request.
const DELETE_BATCH_SIZE = 1000;

/**
 * The S3 operations both S3 drivers share: keys under the configured prefix, traversal keys
 * refused, not-found turned into `undefined`, every other failure into `StoreUnavailableError`.
 */
export class S3Bucket {
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly signedUrlTtlSeconds: number;
  private readonly publicBaseUrl: string | undefined;

  constructor(
    private readonly client: S3Client,
    config: S3Config,
  ) {
    this.bucket = config.bucket;
    this.prefix = normalizePrefix(config.prefix);
    this.signedUrlTtlSeconds = config.signedUrlTtlSeconds ?? DEFAULT_SIGNED_URL_TTL_SECONDS;
    if (
      !Number.isInteger(this.signedUrlTtlSeconds) ||
      this.signedUrlTtlSeconds < 1 ||
      this.signedUrlTtlSeconds > MAX_SIGNED_URL_TTL_SECONDS
    ) {
      throw new RangeError(`S3 signedUrlTtlSeconds must be an integer from 1 to ${MAX_SIGNED_URL_TTL_SECONDS}`);
    }
    this.publicBaseUrl = config.publicBaseUrl?.replace(/\/+$/, '');
  }

  async put(key: string, bytes: Uint8Array, contentType: string, cacheControl?: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.call(`put ${Key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: contentType,
          ...(cacheControl === undefined ? {} : { CacheControl: cacheControl }),
        }),
      ),
    );
  }

  async read(key: string): Promise<Uint8Array | undefined> {
    const Key = this.objectKey(key);
    return this.call(`get ${Key}`, async () => {
      const output = await this.getObject(Key);
      return output === undefined ? undefined : await output.Body!.transformToByteArray();
    });
  }

  async open(key: string): Promise<StoredObject | undefined> {
    const Key = this.objectKey(key);
    return this.call(`open ${Key}`, async () => {
      const output = await this.getObject(Key);
      if (output === undefined) return undefined;
      // In Node the SDK's body is the HTTP response stream (an IncomingMessage), itself a Readable.
      const body = output.Body as unknown as Readable;
      if (output.ContentLength === undefined) {
        body.destroy();
        throw new Error(`S3 returned no Content-Length for ${Key}`);
      }
      return {
        body,
        size: output.ContentLength,
        contentType: output.ContentType ?? 'application/octet-stream',
      };
    });
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    // S3 answers 204 for a missing key too, which is what makes delete idempotent.
    await this.call(`delete ${Key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  async purge(prefix: string): Promise<void> {
    const Prefix = this.objectPrefix(prefix);
    await this.call(`purge ${Prefix}`, async () => {
      let ContinuationToken: string | undefined;
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix, ContinuationToken, MaxKeys: DELETE_BATCH_SIZE }),
        );
        const keys = (page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key]));
        for (let start = 0; start < keys.length; start += DELETE_BATCH_SIZE) {
          await this.deleteBatch(keys.slice(start, start + DELETE_BATCH_SIZE));
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken !== undefined);
    });
  }

  async locate(key: string): Promise<RenditionLocation> {
    const Key = this.objectKey(key);
    if (this.publicBaseUrl !== undefined) {
      return { url: `${this.publicBaseUrl}/${Key.split('/').map(encodeURIComponent).join('/')}`, expiresAt: undefined };
    }
    // Taken before signing: the URL's own clock starts at or after this instant, so the
    // reported expiry is never later than the real one.
    const signedAt = Date.now();
    const url = await this.call(`sign ${Key}`, () =>
      getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key }), {
        expiresIn: this.signedUrlTtlSeconds,
      }),
    );
    return { url, expiresAt: new Date(signedAt + this.signedUrlTtlSeconds * 1000) };
  }

  async check(): Promise<void> {
    await this.call(`check bucket ${this.bucket}`, () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  private async getObject(Key: string) {
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  private async deleteBatch(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const output = await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    // DeleteObjects answers 200 even when single keys fail; those failures are only in the body.
    const failures = output.Errors ?? [];
    if (failures.length > 0) {
      const first = failures[0]!;
      throw new Error(`S3 could not delete ${failures.length} object(s), first ${first.Key}: ${first.Code} ${first.Message}`);
    }
  }

  private async call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw new StoreUnavailableError(`S3 bucket ${this.bucket}: ${what} failed`, { cause: error });
    }
  }

  private objectKey(key: string): string {
    assertObjectKey(key, 'key');
    return this.prefix + key;
  }

  private objectPrefix(prefix: string): string {
    assertObjectKey(prefix, 'prefix');
    return this.prefix + prefix;
  }
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  assertObjectKey(trimmed, 'key');
  return `${trimmed}/`;
}


function isMissingObject(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is also a 404, but it is a misconfiguration, not a missing object.
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}
