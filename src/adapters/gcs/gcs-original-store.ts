import type { Storage } from '@google-cloud/storage';
import { originalObjectKey, type OriginalKey } from '../../domain/original.js';
import type { OriginalStore } from '../../application/ports/original-store.js';
import { GcsBucket } from './gcs-bucket.js';
import type { GcsConfig } from './gcs-config.js';

export class GcsOriginalStore implements OriginalStore {
  private readonly bucket: GcsBucket;

  constructor(storage: Storage, config: GcsConfig) {
    this.bucket = new GcsBucket(storage, config);
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
