import type { HeldRenditionLock, RenditionLock } from '../../application/ports/rendition-lock.js';

interface Waiter {
  grant(): void;
}

/**
 * A `RenditionLock` that excludes within this process only. Enough wherever one process owns the index:
 * the in-memory index and SQLite (one service process per SQLite file). Waiters are served first come,
 * first served.
 */
export class InMemoryRenditionLock implements RenditionLock {
  /** Keys locked now, each with the queue of callers waiting for it. */
  private readonly held = new Map<string, Waiter[]>();

  async acquire(key: string, waitMs: number): Promise<HeldRenditionLock | undefined> {
    const queue = this.held.get(key);
    if (queue === undefined) {
      this.held.set(key, []);
      return this.handle(key);
    }
    if (waitMs <= 0) return undefined;
    return new Promise<HeldRenditionLock | undefined>((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.handle(key));
        },
      };
      const timer = setTimeout(() => {
        queue.splice(queue.indexOf(waiter), 1);
        resolve(undefined);
      }, waitMs);
      queue.push(waiter);
    });
  }

  /** Whether `key` is locked now (for tests). */
  isHeld(key: string): boolean {
    return this.held.has(key);
  }

  private handle(key: string): HeldRenditionLock {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        const queue = this.held.get(key) ?? [];
        const next = queue.shift();
        // Handed straight to the next waiter: the key never looks free in between.
        if (next === undefined) this.held.delete(key);
        else next.grant();
      },
    };
  }
}
