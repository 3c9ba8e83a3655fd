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
import type { StoredObject } from '../../application/ports/rendition-cache.js';
import type { ListedObject, ObjectBucket, ObjectMetadata } from '../object-storage/object-bucket.js';
import { unavailableOnFailure } from '../object-storage/object-names.js';
import type { S3Config } from './s3-config.js';

// DeleteObjects accepts at most 1000 keys per request, and a listing page holds at most 1000.
const DELETE_BATCH_SIZE = 1000;

/** An S3 bucket (AWS or S3-compatible) as an `ObjectBucket`: not-found becomes `undefined`, every other failure `StoreUnavailableError`. */
export class S3Bucket implements ObjectBucket {
  private readonly bucket: string;

  constructor(
    private readonly client: S3Client,
    config: S3Config,
  ) {
    this.bucket = config.bucket;
  }

  async put(Key: string, bytes: Uint8Array, metadata: ObjectMetadata): Promise<void> {
    await this.call(`put ${Key}`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: metadata.contentType,
          ...(metadata.cacheControl === undefined ? {} : { CacheControl: metadata.cacheControl }),
        }),
      ),
    );
  }

  async read(Key: string): Promise<Uint8Array | undefined> {
    return this.call(`get ${Key}`, async () => {
      const output = await this.getObject(Key);
      return output === undefined ? undefined : await output.Body!.transformToByteArray();
    });
  }

  async open(Key: string): Promise<StoredObject | undefined> {
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

  async delete(Key: string): Promise<void> {
    // S3 answers 204 for a missing key too, which is what makes delete idempotent.
    await this.call(`delete ${Key}`, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  async deletePrefix(Prefix: string): Promise<void> {
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

  async *list(Prefix: string, MaxKeys = DELETE_BATCH_SIZE): AsyncIterable<ListedObject> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.call(`list ${Prefix}`, () =>
        // The delimiter leaves what is below a further '/' out (as CommonPrefixes, not read).
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix, Delimiter: '/', ContinuationToken, MaxKeys })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield { name: object.Key, ...(object.Size === undefined ? {} : { bytes: object.Size }) };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async sign(Key: string, ttlSeconds: number): Promise<string> {
    return this.call(`sign ${Key}`, () =>
      getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key }), { expiresIn: ttlSeconds }),
    );
  }

  // HeadBucket needs only s3:ListBucket on the bucket, whatever the prefix.
  async check(_prefix: string): Promise<void> {
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

  private call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    return unavailableOnFailure(`S3 bucket ${this.bucket}: ${what}`, operation);
  }
}

function isMissingObject(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is also a 404, but it is a misconfiguration, not a missing object.
  if (name === 'NoSuchBucket') return false;
  return name === 'NoSuchKey' || name === 'NotFound' || $metadata?.httpStatusCode === 404;
}
