import type { StoredObject } from '../../application/ports/rendition-cache.js';
import type { LocalFile } from '../../application/ports/original-store.js';

/** What an object is written with. A store that keeps bare bytes (a folder) may ignore it. */
export interface ObjectMetadata {
  readonly contentType: string;
  readonly cacheControl?: string;
}

/** One object found by `ObjectBucket.list`. */
export interface ListedObject {
  /** Its whole name in the bucket, prefix included. */
  readonly name: string;
  /** Its size when the listing says it. */
  readonly bytes?: number;
}

/**
 * One bucket of objects under slash-separated names: an S3 bucket, a Cloud Storage bucket, a local folder. It
 * is what a driver implements; `BucketOriginalStore` and `BucketRenditionCache` are written once over it.
 * Names reach a bucket already validated (`assertObjectKey`) and prefixed by those stores; a bucket that maps
 * names to something where `..` would mean more (a folder) checks them again itself.
 *
 * Every method throws `StoreUnavailableError` carrying the driver's error as `cause` when the bucket fails or
 * cannot be reached; not-found is a value, never an exception.
 */
export interface ObjectBucket {
  /** Writes the whole object atomically: a reader sees the old object or the new one, never a part. */
  put(name: string, bytes: Uint8Array, metadata: ObjectMetadata): Promise<void>;

  /** The whole object, or `undefined` when there is none. */
  read(name: string): Promise<Uint8Array | undefined>;

  /** The object opened for streaming, or `undefined` when there is none. */
  open(name: string): Promise<StoredObject | undefined>;

  /**
   * The object as a file on this machine (its path, size and first bytes), or `undefined` when there is none.
   * Only a folder has it: a render then lets libvips read the file rather than a copy in memory (ADR 0036).
   */
  local?(name: string): Promise<LocalFile | undefined>;

  /** Removes one object; a missing object is not an error. */
  delete(name: string): Promise<void>;

  /** Removes every object whose name starts with `prefix` (`a/b/` everything below `a/b`); idempotent. */
  deletePrefix(prefix: string): Promise<void>;

  /**
   * A URL that lets anyone GET the object for `ttlSeconds` from now (at least: the signature's clock starts at
   * or after the call). Absent on buckets that cannot sign, such as a folder.
   */
  sign?(name: string, ttlSeconds: number): Promise<string>;

  /**
   * Every object directly under `prefix` (`''` or ending in `/`): no name below a further `/`, in the
   * bucket's listing order (by name), page after page as the iteration goes. A bulk import's source (`lir
   * import s3://…`); absent on buckets that are never one, such as a folder (the import reads the folder
   * itself). A failure throws `StoreUnavailableError` from the iteration. `pageSize`: at most this many names
   * (objects and further prefixes) per request, 1 … 1000; 1000 (S3's and Cloud Storage's largest page) when absent.
   */
  list?(prefix: string, pageSize?: number): AsyncIterable<ListedObject>;

  /**
   * Resolves when the bucket answers and is usable. `prefix` is where the calling store's names live (`''` for
   * the whole bucket): a bucket whose permissions may be granted per prefix checks there.
   */
  check(prefix: string): Promise<void>;
}
