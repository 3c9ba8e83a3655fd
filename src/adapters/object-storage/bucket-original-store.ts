import type { LocalFile, OriginalStore } from '../../application/ports/original-store.js';
import type { OriginalKey } from '../../domain/original.js';
import type { ObjectBucket } from './object-bucket.js';
import { ObjectNames, originalKeyOf } from './object-names.js';

/** The configuration slice `BucketOriginalStore` needs besides its bucket. */
export interface BucketOriginalStoreConfig {
  /** Every original is stored under this prefix (a trailing `/` is added when missing), so stores can share a bucket. */
  readonly prefix?: string;
}

/**
 * Originals byte for byte in any `ObjectBucket` (S3, Cloud Storage, a local folder), one object per content
 * version at `{prefix}{id}/{version}`. Every driver refuses the same keys, because the rule is applied here once.
 */
export class BucketOriginalStore implements OriginalStore {
  private readonly names: ObjectNames;
  /** Present when the bucket is a folder on this machine (`ObjectBucket.local`). */
  readonly local?: (key: OriginalKey) => Promise<LocalFile | undefined>;

  constructor(
    private readonly bucket: ObjectBucket,
    config: BucketOriginalStoreConfig = {},
  ) {
    this.names = new ObjectNames(config.prefix);
    const local = bucket.local?.bind(bucket);
    if (local !== undefined) this.local = async (key) => local(this.nameOf(key));
  }

  async put(key: OriginalKey, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.bucket.put(this.nameOf(key), bytes, { contentType });
  }

  async get(key: OriginalKey): Promise<Uint8Array | undefined> {
    return this.bucket.read(this.nameOf(key));
  }

  async delete(key: OriginalKey): Promise<void> {
    await this.bucket.delete(this.nameOf(key));
  }

  async check(): Promise<void> {
    await this.bucket.check(this.names.prefix);
  }

  private nameOf(key: OriginalKey): string {
    return this.names.of(originalKeyOf(key));
  }
}
