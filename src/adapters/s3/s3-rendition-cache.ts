import type { S3Client } from '@aws-sdk/client-s3';
import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { S3Bucket } from './s3-bucket.js';
import type { S3Config } from './s3-config.js';

// A rendition key names one original version and one canonical spec, so its bytes never change:
// browsers and CDNs may keep it for a year without revalidating.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export class S3RenditionCache implements RenditionCache {
  private readonly bucket: S3Bucket;

  constructor(client: S3Client, config: S3Config) {
    this.bucket = new S3Bucket(client, config);
  }

  put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    return this.bucket.put(key, bytes, contentType, IMMUTABLE);
  }

  open(key: string): Promise<StoredObject | undefined> {
    return this.bucket.open(key);
  }

  locate(key: string): Promise<RenditionLocation | undefined> {
    return this.bucket.locate(key);
  }

  purge(prefix: string): Promise<void> {
    return this.bucket.purge(prefix);
  }

  check(): Promise<void> {
    return this.bucket.check();
  }
}
