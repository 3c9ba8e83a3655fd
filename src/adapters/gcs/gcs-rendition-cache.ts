import type { Storage } from '@google-cloud/storage';
import { RENDITION_CACHE_CONTROL } from '../../domain/rendition.js';
import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { GcsBucket } from './gcs-bucket.js';
import type { GcsConfig } from './gcs-config.js';

export class GcsRenditionCache implements RenditionCache {
  private readonly bucket: GcsBucket;

  constructor(storage: Storage, config: GcsConfig) {
    this.bucket = new GcsBucket(storage, config);
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
