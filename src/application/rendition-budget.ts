import type { CacheIndex } from './ports/cache-index.js';
import type { Clock } from './ports/clock.js';
import type { Logger } from './ports/logger.js';
import type { RenditionCache } from './ports/rendition-cache.js';

export interface RenditionBudgetOptions {
  /** The most bytes of renditions kept; a store that goes over evicts least recently used ones until it fits. */
  readonly maxBytes: number;
  /** How often recorded uses are written to the index; 10 s when absent. */
  readonly flushIntervalMs?: number;
}

export interface RenditionBudgetDependencies {
  readonly index: CacheIndex;
  readonly cache: RenditionCache;
  readonly clock: Clock;
  readonly logger: Logger;
}

const DEFAULT_FLUSH_INTERVAL_MS = 10_000;
/** Keys per touch statement: far below the bind-parameter limits of SQLite and PostgreSQL. */
const TOUCH_BATCH = 500;
/** Rows listed per round of an eviction. */
const EVICT_BATCH = 50;

/**
 * SPEC §8 "Rendition budget" (ADR 0022): keeps the bytes of stored renditions within `maxBytes` (plus the one
 * just stored) by evicting the least recently used, over any `CacheIndex` and `RenditionCache`.
 *
 * A hit only notes its key in memory ({@link RenditionBudget.used}); the keys are written to the index in one
 * statement per batch, on a timer, before each eviction and on shutdown, so that hits add no write each. An
 * eviction removes the index row first and the object second, so the index never points at nothing and the
 * service stops redirecting to an object before it disappears. Two replicas evicting the same rendition is
 * harmless: both deletes are idempotent and only the one that removed the row counts it.
 */
export class RenditionBudget {
  private pending = new Set<string>();
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private storedBytesSeen: number | undefined;
  private evictedCount = 0;

  constructor(
    private readonly deps: RenditionBudgetDependencies,
    private readonly options: RenditionBudgetOptions,
  ) {
    if (!Number.isInteger(options.maxBytes) || options.maxBytes < 1) throw new RangeError('maxBytes must be a positive integer');
  }

  /** The stored total the last eviction round saw, or `undefined` before the first. */
  get storedBytes(): number | undefined {
    return this.storedBytesSeen;
  }

  /** Renditions this process has evicted so far. */
  get evictions(): number {
    return this.evictedCount;
  }

  /** Notes a hit; written to the index with the next batch. */
  used(key: string): void {
    this.pending.add(key);
    // Bounds the memory held between two flushes under a flood of distinct hits.
    if (this.pending.size >= TOUCH_BATCH) void this.flush();
  }

  /** Writes the noted uses to the index. Never rejects: a lost batch only makes those renditions look older. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const keys = [...this.pending];
    this.pending = new Set();
    const at = this.deps.clock.now();
    for (let start = 0; start < keys.length; start += TOUCH_BATCH) {
      try {
        await this.deps.index.touchRenditions(keys.slice(start, start + TOUCH_BATCH), at);
      } catch (err) {
        this.deps.logger.warn('cannot record rendition use; those renditions may be evicted early', { count: keys.length, err });
        return;
      }
    }
  }

  /**
   * Evicts least recently used renditions until the total fits; called after each store. Calls that arrive
   * while a round runs share one further round instead of each listing the same rows. Never rejects: a failed
   * round is logged, and the next store tries again.
   */
  enforce(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.again = false;
          await this.evictOverflow();
        } while (this.again);
      } catch (err) {
        this.deps.logger.warn('rendition eviction failed; retried after the next store', { err });
      } finally {
        this.running = undefined;
      }
    };
    this.running = run();
    return this.running;
  }

  /** Flushes uses every `flushIntervalMs` until {@link RenditionBudget.stop}. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS);
    // The timer alone must not keep a process alive that has nothing else to do.
    this.timer.unref?.();
  }

  /** Stops the timer, waits for a running eviction and writes the last uses (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.flush();
  }

  private async evictOverflow(): Promise<void> {
    // Recent hits first, so that a rendition in use is not mistaken for an idle one.
    await this.flush();
    let total = await this.deps.index.renditionBytes();
    this.storedBytesSeen = total;
    while (total > this.options.maxBytes) {
      const oldest = await this.deps.index.leastRecentlyUsed(EVICT_BATCH);
      if (oldest.length === 0) break;
      for (const record of oldest) {
        if (total <= this.options.maxBytes) break;
        await this.evict(record.key);
        total -= record.bytes;
      }
      this.storedBytesSeen = Math.max(total, 0);
    }
  }

  private async evict(key: string): Promise<void> {
    // Row first: from now on requests render it again (and stop redirecting to it) before its object goes.
    const removed = await this.deps.index.deleteRendition(key);
    // Also when another replica removed the row first: deleting the object again is harmless, and it covers
    // that replica failing between its two deletes.
    await this.deps.cache.delete(key);
    if (removed) this.evictedCount++;
  }
}
