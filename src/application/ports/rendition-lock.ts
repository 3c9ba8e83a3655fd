/** A lock held on one rendition key; see {@link RenditionLock}. */
export interface HeldRenditionLock {
  /**
   * Gives the lock up, so the next waiter (in this or another process) gets it. Idempotent. If the
   * lock's backing session has already died the lock is already free; the call then only tidies up. Throws
   * `IndexUnavailableError` when the database could not be told (the lock is still freed once its
   * session ends, which the adapter then forces).
   */
  release(): Promise<void>;
}

/**
 * Mutual exclusion per rendition key across every process that shares the cache index, so that identical
 * misses arriving at different replicas are rendered once (SPEC §4 single flight, across replicas).
 *
 * A lock dies with its holder: a crashed process never keeps a key locked, so a waiter falls back to
 * rendering itself. Within one process callers coalesce before they get here; the lock is not reentrant.
 */
export interface RenditionLock {
  /**
   * Takes the lock on `key`, waiting at most `waitMs` (0: one attempt) for its holder to release it.
   * Resolves with the held lock, or with `undefined` when the wait ran out: contention is never an
   * exception. Throws `IndexUnavailableError` (with the driver's error as `cause`) when the database
   * fails or cannot be reached.
   */
  acquire(key: string, waitMs: number): Promise<HeldRenditionLock | undefined>;
}
