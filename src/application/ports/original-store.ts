import type { OriginalKey } from '../../domain/original.js';

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

  /** Removes the object; idempotent (a missing object is not an error). */
  delete(key: OriginalKey): Promise<void>;

  /** Resolves when the store answers; throws `StoreUnavailableError` otherwise. Used by readiness checks. */
  check(): Promise<void>;
}
