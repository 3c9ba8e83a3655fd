import { IndexUnavailableError } from './application-error.js';
import { LruMap } from './lru-map.js';
import type { CacheIndex, OriginalChanges, RenditionRecord } from './ports/cache-index.js';
import type { Clock } from './ports/clock.js';
import type { IndexChange } from './ports/index-changes.js';
import type { KnownRows } from './known.js';
import type { ImageId } from '../domain/image-id.js';
import type { ContentVersion, OriginalKey, OriginalMetadata } from '../domain/original.js';

/** How long and how many of one kind of row are answered from memory. */
export interface RowMemory {
  /**
   * How long a row is answered from memory without asking the index. Writes through this instance and
   * announced changes (`forget`) invalidate at once; the TTL bounds what goes unseen when neither reaches here.
   */
  readonly ttlMs: number;
  /** Most rows kept; the least recently used is dropped first. */
  readonly maxEntries: number;
}

export interface CachingCacheIndexOptions extends RowMemory {
  /** Rendition rows; absent: every rendition lookup asks the index. */
  readonly renditions?: RowMemory;
  /**
   * After the index failed, known rows are answered from memory for this long without asking it again, so an
   * outage costs each request at most one failed attempt per period instead of one per request. 1 s when absent.
   */
  readonly restAfterFailureMs?: number;
}

interface Entry<T> {
  readonly row: T;
  readonly expiresAt: number;
  /** An entry from before the last `unknown` change is stale, whatever its TTL. */
  readonly epoch: number;
}

const DEFAULT_REST_AFTER_FAILURE_MS = 1_000;

/**
 * A `CacheIndex` decorator that answers `findOriginal` and `findRendition` from in-process LRUs, so a cache
 * hit usually costs no index query at all. A rendition row is immutable (its key names the original's content
 * hash), so once seen it stays true until its original is deleted or replaced or the row itself is removed;
 * writes through this instance forget what they change at once, and `forget` applies what other processes
 * changed (`IndexChanges`). Only rows that exist are kept: a new upload or rendition elsewhere is seen at once.
 *
 * Stale-if-error (SPEC §6): when the index is unavailable, a row already known is answered even past its TTL,
 * so hits on known renditions go on while anything else fails with `IndexUnavailableError`.
 *
 * It lives beside the ports, not among the adapters: it is policy over whichever index is wired.
 */
export class CachingCacheIndex implements CacheIndex, KnownRows {
  private readonly originals: LruMap<ImageId, Entry<OriginalMetadata>>;
  private readonly renditions: LruMap<string, Entry<RenditionRecord>> | undefined;
  /** Bumped by every write and every forgotten change: a read that overlapped one must not be remembered. */
  private writes = 0;
  private epoch = 0;
  private restUntil = 0;

  constructor(
    private readonly inner: CacheIndex,
    private readonly clock: Clock,
    private readonly options: CachingCacheIndexOptions,
  ) {
    this.originals = new LruMap(options.maxEntries);
    this.renditions = options.renditions === undefined ? undefined : new LruMap(options.renditions.maxEntries);
  }

  async findOriginal(id: ImageId): Promise<OriginalMetadata | undefined> {
    const found = await this.remembered(this.originals, id, this.options.ttlMs, () => this.inner.findOriginal(id));
    return found === undefined ? undefined : copy(found);
  }

  findRendition(key: string): Promise<RenditionRecord | undefined> {
    if (this.renditions === undefined) return this.inner.findRendition(key);
    return this.remembered(this.renditions, key, this.options.renditions!.ttlMs, () => this.inner.findRendition(key));
  }

  /**
   * The original's row when memory holds a fresh one (within its TTL, not from before an `unknown` change), else
   * `undefined`: nothing is asked, so this never waits. The row is memory's own; callers must not change it.
   */
  knownOriginal(id: ImageId): OriginalMetadata | undefined {
    return this.fresh(this.originals, id);
  }

  /** The rendition's row when memory holds a fresh one, else `undefined`; never asks the index. */
  knownRendition(key: string): RenditionRecord | undefined {
    return this.renditions === undefined ? undefined : this.fresh(this.renditions, key);
  }

  /** What another process changed (or that changes may have been missed): forgotten here at once. */
  forget(change: IndexChange): void {
    this.writes++;
    switch (change.kind) {
      case 'original':
        this.originals.delete(change.id);
        this.renditions?.deleteWhere((entry) => entry.row.originalId === change.id);
        break;
      case 'rendition':
        this.renditions?.delete(change.key);
        break;
      case 'unknown':
        // Kept for stale-if-error, but asked about again before they are answered.
        this.epoch++;
        break;
    }
  }

  saveOriginal(original: OriginalMetadata, options: { readonly replace: boolean }): Promise<void> {
    return this.writing({ kind: 'original', id: original.id }, () => this.inner.saveOriginal(original, options));
  }

  async updateOriginal(original: OriginalKey, changes: OriginalChanges): Promise<boolean> {
    let updated = false;
    await this.writing({ kind: 'original', id: original.id }, async () => {
      updated = await this.inner.updateOriginal(original, changes);
    });
    return updated;
  }

  deleteOriginal(id: ImageId): Promise<void> {
    return this.writing({ kind: 'original', id }, () => this.inner.deleteOriginal(id));
  }

  async saveRendition(record: RenditionRecord): Promise<void> {
    const writesBefore = this.writes;
    await this.inner.saveRendition(record);
    // The next hit on what was just stored need not ask the index.
    if (this.renditions !== undefined && this.writes === writesBefore) this.renditions.set(record.key, this.entry(record, this.options.renditions!.ttlMs));
  }

  listRenditions(id: ImageId): Promise<readonly RenditionRecord[]> {
    return this.inner.listRenditions(id);
  }

  async deleteRendition(key: string): Promise<boolean> {
    let deleted = false;
    await this.writing({ kind: 'rendition', key }, async () => {
      deleted = await this.inner.deleteRendition(key);
    });
    return deleted;
  }

  async deleteRenditionsOfVersion(id: ImageId, version: ContentVersion): Promise<void> {
    const drop = (): void => this.renditions?.deleteWhere((entry) => entry.row.originalId === id && entry.row.originalVersion === version);
    this.writes++;
    drop();
    try {
      await this.inner.deleteRenditionsOfVersion(id, version);
    } finally {
      this.writes++;
      drop();
    }
  }

  renditionBytes(): Promise<number> {
    return this.inner.renditionBytes();
  }

  leastRecentlyUsed(limit: number): Promise<readonly RenditionRecord[]> {
    return this.inner.leastRecentlyUsed(limit);
  }

  touchRenditions(keys: readonly string[], at: Date): Promise<void> {
    return this.inner.touchRenditions(keys, at);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  private fresh<K, T>(memory: LruMap<K, Entry<T>>, key: K): T | undefined {
    const entry = memory.get(key);
    return entry !== undefined && entry.expiresAt > this.clock.now().getTime() && entry.epoch === this.epoch ? entry.row : undefined;
  }

  /**
   * A fresh entry from memory; else the index's answer (remembered unless a write overlapped the read); else,
   * when the index is unavailable, the entry however old.
   */
  private async remembered<K, T>(memory: LruMap<K, Entry<T>>, key: K, ttlMs: number, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const now = this.clock.now().getTime();
    const entry = memory.get(key);
    if (entry !== undefined && ((entry.expiresAt > now && entry.epoch === this.epoch) || now < this.restUntil)) return entry.row;
    const writesBefore = this.writes;
    let row: T | undefined;
    try {
      row = await read();
    } catch (error) {
      if (entry === undefined || !(error instanceof IndexUnavailableError)) throw error;
      this.restUntil = now + (this.options.restAfterFailureMs ?? DEFAULT_REST_AFTER_FAILURE_MS);
      return entry.row;
    }
    if (row === undefined) {
      memory.delete(key);
      return undefined;
    }
    // A row read again unchanged stays the same object: what is kept per row (a rendition's name, an info document,
    // ADR 0034) stays valid across the refreshes the TTL forces.
    const kept = entry !== undefined && sameRow(entry.row, row) ? entry.row : row;
    if (this.writes === writesBefore) memory.set(key, this.entry(kept, ttlMs, now));
    return kept;
  }

  private entry<T>(row: T, ttlMs: number, now = this.clock.now().getTime()): Entry<T> {
    return { row, expiresAt: now + ttlMs, epoch: this.epoch };
  }

  private async writing(change: IndexChange, write: () => Promise<void>): Promise<void> {
    this.forget(change);
    try {
      await write();
    } finally {
      // Also after a failure: the write may have reached the database before the error did.
      this.forget(change);
    }
  }
}

/** Rows are plain data (strings, numbers, dates, nested records): equal when they serialise alike. */
function sameRow(known: unknown, fresh: unknown): boolean {
  return JSON.stringify(known) === JSON.stringify(fresh);
}

/** Callers get their own Date, as from the database: a caller mutating it must not change the cache. */
function copy(original: OriginalMetadata): OriginalMetadata {
  return { ...original, uploadedAt: new Date(original.uploadedAt.getTime()) };
}
