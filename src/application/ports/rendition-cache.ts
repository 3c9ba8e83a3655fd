/** A stored rendition opened for streaming. The consumer must read `body` to the end or destroy it. */
export interface StoredObject {
  readonly body: AsyncIterable<Uint8Array> & { destroy?(error?: Error): void };
  /** The whole body, when it is already in memory: a consumer may send it at once instead of reading `body`. */
  readonly bytes?: Uint8Array;
  readonly size: number;
  readonly contentType: string;
}

/** Where a client can fetch a rendition directly. */
export interface RenditionLocation {
  readonly url: string;
  /** When a presigned URL stops working; undefined for a public URL. */
  readonly expiresAt: Date | undefined;
}

/**
 * The rendition cache: rendered bytes under the keys that `Rendition.key` builds
 * (`{id}/{version}/{fingerprint}.{ext}`).
 *
 * Every method throws `StoreUnavailableError` (with the driver's error as `cause`) when the store fails
 * or cannot be reached; not-found is never an exception. Keys that could escape the store's root
 * (`..`, absolute paths) are rejected with `StoreUnavailableError` by the adapter itself.
 */
export interface RenditionCache {
  /** Stores the rendition atomically; idempotent (same key, same bytes). */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;

  /** Opens the object for streaming, or `undefined` when it does not exist. */
  open(key: string): Promise<StoredObject | undefined>;

  /**
   * A URL a client can be redirected to, or `undefined` when this cache cannot be reached directly
   * (a local folder without a public base URL): the caller then streams via `open`. Does not check
   * that the object exists.
   */
  locate(key: string): Promise<RenditionLocation | undefined>;

  /** Removes one rendition (an eviction). Idempotent: a missing object is not an error. */
  delete(key: string): Promise<void>;

  /**
   * Removes every object whose key starts with `prefix`: `renditionPrefix(original)` for one version,
   * `imagePrefix(id)` for every version of an original. Idempotent.
   */
  purge(prefix: string): Promise<void>;

  /** Resolves when the store answers; throws `StoreUnavailableError` otherwise. */
  check(): Promise<void>;
}
