import type { CacheIndex, RenditionRecord } from './ports/cache-index.js';
import type { Clock } from './ports/clock.js';
import type { ImageId } from '../domain/image-id.js';
import type { ContentVersion, OriginalMetadata } from '../domain/original.js';

export interface CachingCacheIndexOptions {
  /**
   * How long a found original is answered from memory. Writes through this instance invalidate at
   * once; the TTL bounds how long another replica's re-upload or delete can go unseen here.
   */
  readonly ttlMs: number;
  /** Most originals kept; the least recently used is dropped first. */
  readonly maxEntries: number;
}

interface Entry {
  readonly original: OriginalMetadata;
  readonly expiresAt: number;
}

/**
 * A `CacheIndex` decorator that answers `findOriginal` from a small in-process LRU, so a cache hit
 * costs one index query (the rendition row) instead of two. Only originals that exist are kept:
 * a new upload on another replica is seen at once. Rendition rows are never cached, so every image
 * request still proves that the index is reachable and that its rendition is stored. It lives beside
 * the ports, not among the adapters: it is policy over whichever index is wired, with no technology of
 * its own.
 */
export class CachingCacheIndex implements CacheIndex {
  private readonly originals = new Map<ImageId, Entry>();
  /** Bumped by every original write: a read that overlapped one must not be remembered. */
  private writes = 0;

  constructor(
    private readonly inner: CacheIndex,
    private readonly clock: Clock,
    private readonly options: CachingCacheIndexOptions,
  ) {}

  async findOriginal(id: ImageId): Promise<OriginalMetadata | undefined> {
    const now = this.clock.now().getTime();
    const entry = this.originals.get(id);
    if (entry !== undefined) {
      this.originals.delete(id);
      if (entry.expiresAt > now) {
        // Re-inserted: Map order is the recency order.
        this.originals.set(id, entry);
        return copy(entry.original);
      }
    }
    const writesBefore = this.writes;
    const original = await this.inner.findOriginal(id);
    if (original !== undefined && this.writes === writesBefore) this.remember(id, { original: copy(original), expiresAt: now + this.options.ttlMs });
    return original;
  }

  saveOriginal(original: OriginalMetadata, options: { readonly replace: boolean }): Promise<void> {
    return this.writing(original.id, () => this.inner.saveOriginal(original, options));
  }

  deleteOriginal(id: ImageId): Promise<void> {
    return this.writing(id, () => this.inner.deleteOriginal(id));
  }

  findRendition(key: string): Promise<RenditionRecord | undefined> {
    return this.inner.findRendition(key);
  }

  saveRendition(record: RenditionRecord): Promise<void> {
    return this.inner.saveRendition(record);
  }

  listRenditions(id: ImageId): Promise<readonly RenditionRecord[]> {
    return this.inner.listRenditions(id);
  }

  deleteRendition(key: string): Promise<boolean> {
    return this.inner.deleteRendition(key);
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

  deleteRenditionsOfVersion(id: ImageId, version: ContentVersion): Promise<void> {
    return this.inner.deleteRenditionsOfVersion(id, version);
  }

  check(): Promise<void> {
    return this.inner.check();
  }

  private async writing(id: ImageId, write: () => Promise<void>): Promise<void> {
    this.writes++;
    this.originals.delete(id);
    try {
      await write();
    } finally {
      // Also after a failure: the write may have reached the database before the error did.
      this.writes++;
      this.originals.delete(id);
    }
  }

  private remember(id: ImageId, entry: Entry): void {
    this.originals.set(id, entry);
    if (this.originals.size > this.options.maxEntries) {
      const oldest = this.originals.keys().next();
      if (!oldest.done) this.originals.delete(oldest.value);
    }
  }
}

/** Callers get their own Date, as from the database: a caller mutating it must not change the cache. */
function copy(original: OriginalMetadata): OriginalMetadata {
  return { ...original, uploadedAt: new Date(original.uploadedAt.getTime()) };
}
