import type { S3Client } from '@aws-sdk/client-s3';
import { originalObjectKey, type OriginalKey } from '../../domain/original.js';
import type { OriginalStore } from '../../application/ports/original-store.js';
import { S3Bucket } from './s3-bucket.js';
import type { S3Config } from './s3-config.js';

export class S3OriginalStore implements OriginalStore {
  private readonly bucket: S3Bucket;

  constructor(client: S3Client, config: S3Config) {
    this.bucket = new S3Bucket(client, config);
  }

  put(key: OriginalKey, bytes: Uint8Array, contentType: string): Promise<void> {
    return this.bucket.put(originalObjectKey(key), bytes, contentType);
  }

  get(key: OriginalKey): Promise<Uint8Array | undefined> {
    return this.bucket.read(originalObjectKey(key));
  }

  delete(key: OriginalKey): Promise<void> {
    return this.bucket.delete(originalObjectKey(key));
  }

  check(): Promise<void> {
    return this.bucket.check();
  }
}
