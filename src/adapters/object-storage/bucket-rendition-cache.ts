import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { RENDITION_CACHE_CONTROL } from '../../domain/rendition.js';
import type { ObjectBucket } from './object-bucket.js';
import { ObjectNames, publicUrlOf } from './object-names.js';

const DEFAULT_SIGNED_URL_TTL_SECONDS = 3600;
// S3 SigV4 presigned URLs and Cloud Storage V4 signed URLs alike cannot live longer than 7 days.
export const MAX_SIGNED_URL_TTL_SECONDS = 604_800;

/** The configuration slice `BucketRenditionCache` needs besides its bucket. */
export interface BucketRenditionCacheConfig {
  /** Every rendition is stored under this prefix (a trailing `/` is added when missing), so stores can share a bucket. */
  readonly prefix?: string;
  /**
   * Where a CDN, web server or public bucket publishes the bucket (e.g. `https://cdn.example.com/`): `locate`
   * answers `publicBaseUrl/{prefix}{key}`. Without it, buckets that can sign answer signed URLs, others `undefined`
   * (the service streams the rendition).
   */
  readonly publicBaseUrl?: string;
  /** Lifetime of signed URLs; default 3600, at most 604800 (the 7 days S3 and Cloud Storage allow). */
  readonly signedUrlTtlSeconds?: number;
}

/**
 * Renditions in any `ObjectBucket` (S3, Cloud Storage, a local folder), at `{prefix}{key}`, written with an
 * immutable `Cache-Control` where the bucket keeps one. Hits are located at the public base URL, else at a
 * signed URL where the bucket can sign.
 */
export class BucketRenditionCache implements RenditionCache {
  private readonly names: ObjectNames;
  private readonly publicBaseUrl: string | undefined;
  private readonly signedUrlTtlSeconds: number;

  constructor(
    private readonly bucket: ObjectBucket,
    config: BucketRenditionCacheConfig = {},
  ) {
    this.names = new ObjectNames(config.prefix);
    this.publicBaseUrl = config.publicBaseUrl === '' ? undefined : config.publicBaseUrl;
    this.signedUrlTtlSeconds = config.signedUrlTtlSeconds ?? DEFAULT_SIGNED_URL_TTL_SECONDS;
    const ttl = this.signedUrlTtlSeconds;
    if (bucket.sign !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_SIGNED_URL_TTL_SECONDS)) {
      throw new RangeError(`signedUrlTtlSeconds must be an integer from 1 to ${MAX_SIGNED_URL_TTL_SECONDS}`);
    }
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.bucket.put(this.names.of(key), bytes, { contentType, cacheControl: RENDITION_CACHE_CONTROL });
  }

  async open(key: string): Promise<StoredObject | undefined> {
    return this.bucket.open(this.names.of(key));
  }

  async locate(key: string): Promise<RenditionLocation | undefined> {
    // Validated although nothing is touched: a client would resolve `..` in the URL to somewhere else.
    const name = this.names.of(key);
    if (this.publicBaseUrl !== undefined) return { url: publicUrlOf(this.publicBaseUrl, name), expiresAt: undefined };
    if (this.bucket.sign === undefined) return undefined;
    // Taken before signing: the URL's own clock starts at or after this instant, so the reported expiry is
    // never later than the real one.
    const signedAt = Date.now();
    const url = await this.bucket.sign(name, this.signedUrlTtlSeconds);
    return { url, expiresAt: new Date(signedAt + this.signedUrlTtlSeconds * 1000) };
  }

  async delete(key: string): Promise<void> {
    await this.bucket.delete(this.names.of(key));
  }

  async purge(prefix: string): Promise<void> {
    await this.bucket.deletePrefix(this.names.ofPrefix(prefix));
  }

  async check(): Promise<void> {
    await this.bucket.check(this.names.prefix);
  }
}
