import type { Storage } from '@google-cloud/storage';
import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { GcsBucket } from './gcs-bucket.js';
import type { GcsConfig } from './gcs-config.js';

// A rendition key names one original version and one canonical spec, so its bytes never change:
// browsers and CDNs may keep it for a year without revalidating.
const IMMUTABLE = 'public, max-age=31536000, immutable';

export class GcsRenditionCache implements RenditionCache {
  private readonly bucket: GcsBucket;

  constructor(storage: Storage, config: GcsConfig) {
    this.bucket = new GcsBucket(storage, config);
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
