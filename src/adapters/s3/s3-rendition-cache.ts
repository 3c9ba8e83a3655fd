import type { S3Client } from '@aws-sdk/client-s3';
import { RENDITION_CACHE_CONTROL } from '../../domain/rendition.js';
import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { S3Bucket } from './s3-bucket.js';
import type { S3Config } from './s3-config.js';

export class S3RenditionCache implements RenditionCache {
  private readonly bucket: S3Bucket;

  constructor(client: S3Client, config: S3Config) {
    this.bucket = new S3Bucket(client, config);
  }

  put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    return this.bucket.put(key, bytes, contentType, RENDITION_CACHE_CONTROL);
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
