import type { OriginalKey } from '../../domain/original.js';

/** How many of a local file's first bytes `OriginalStore.local` reads: enough for every format's magic bytes. */
export const LOCAL_FILE_HEAD_BYTES = 4096;

/**
 * An original kept as a file on this machine. A decoder that can open a path reads it from there in pieces, so a
 * render holds no copy of the whole original in memory (ADR 0036).
 */
export interface LocalFile {
  /** Absolute path. The file is never rewritten in place: each content version of an original is its own file. */
  readonly path: string;
  /** Its size in bytes when it was found. */
  readonly size: number;
  /** Its first bytes (up to `LOCAL_FILE_HEAD_BYTES`), read when it was found, so the format can be checked before a decode. */
  readonly head: Uint8Array;
}

/**
 * Where uploaded originals live, byte for byte, one object per content version.
 *
 * Every method throws `StoreUnavailableError` (with the driver's error as `cause`) when the store fails
 * or cannot be reached; not-found is never an exception.
 */
export interface OriginalStore {
  /**
   * Stores `bytes` under `key` atomically: a reader sees either the whole object or none.
   * Idempotent: writing the same key again replaces it with identical content.
   */
  put(key: OriginalKey, bytes: Uint8Array, contentType: string): Promise<void>;

  /** The stored bytes, or `undefined` when there is no object for `key`. */
  get(key: OriginalKey): Promise<Uint8Array | undefined>;

  /**
   * The object as a file on this machine, or `undefined` when there is no object for `key`. Only stores that keep
   * originals in a local folder have it; renders use it instead of `get` where it exists.
   */
  local?(key: OriginalKey): Promise<LocalFile | undefined>;

  /** Removes the object; idempotent (a missing object is not an error). */
  delete(key: OriginalKey): Promise<void>;

  /** Resolves when the store answers; throws `StoreUnavailableError` otherwise. Used by readiness checks. */
  check(): Promise<void>;
}
