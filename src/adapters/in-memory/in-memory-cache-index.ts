import { IndexUnavailableError, OriginalExistsError } from '../../application/application-error.js';
import type { CacheIndex, OriginalChanges, RenditionRecord } from '../../application/ports/cache-index.js';
import type { ImageId } from '../../domain/image-id.js';
import type { ContentVersion, OriginalKey, OriginalMetadata } from '../../domain/original.js';
import { SimulatedOutage } from './simulated-outage.js';

// Dates are mutable: copying on the way in and out keeps callers from editing stored rows behind our back.
function copyOriginal(original: OriginalMetadata): OriginalMetadata {
  return { ...original, uploadedAt: new Date(original.uploadedAt.getTime()) };
}

function copyRendition(record: RenditionRecord): RenditionRecord {
  return { ...record, createdAt: new Date(record.createdAt.getTime()) };
}

/**
 * A `CacheIndex` held in memory: a verified fake (it passes the same contract suite as the SQL adapter)
 * for application tests and single-process embedding.
 *
 * To test how callers cope with a database outage, call {@link InMemoryCacheIndex.fail}: every method
 * then throws `IndexUnavailableError` (with the given cause) until {@link InMemoryCacheIndex.recover}.
 */
export class InMemoryCacheIndex extends SimulatedOutage implements CacheIndex {
  private readonly originals = new Map<string, OriginalMetadata>();
  private readonly renditions = new Map<string, RenditionRecord>();
  /** Epoch milliseconds of each rendition's last recorded use (its save, or a later touch). */
  private readonly lastUsed = new Map<string, number>();

  constructor() {
    super('cache index', IndexUnavailableError);
  }

  async findOriginal(id: ImageId): Promise<OriginalMetadata | undefined> {
    this.throwIfFailing();
    const found = this.originals.get(id);
    return found === undefined ? undefined : copyOriginal(found);
  }

  async saveOriginal(original: OriginalMetadata, options: { readonly replace: boolean }): Promise<void> {
    this.throwIfFailing();
    if (!options.replace && this.originals.has(original.id)) {
      throw new OriginalExistsError(`an original with id ${original.id} already exists`);
    }
    this.originals.set(original.id, copyOriginal(original));
  }

  async updateOriginal(original: OriginalKey, changes: OriginalChanges): Promise<boolean> {
    this.throwIfFailing();
    const stored = this.originals.get(original.id);
    if (stored === undefined || stored.version !== original.version) return false;
    const updated: { -readonly [K in keyof OriginalMetadata]: OriginalMetadata[K] } = { ...stored, ...changes };
    // Cleared fields are absent, as the SQL index reads them back.
    if (updated.placeholder === undefined) delete updated.placeholder;
    if (updated.focalPoint === undefined) delete updated.focalPoint;
    this.originals.set(original.id, copyOriginal(updated));
    return true;
  }

  async deleteOriginal(id: ImageId): Promise<void> {
    this.throwIfFailing();
    this.originals.delete(id);
    for (const [key, record] of this.renditions) {
      if (record.originalId === id) this.forget(key);
    }
  }

  async findRendition(key: string): Promise<RenditionRecord | undefined> {
    this.throwIfFailing();
    const found = this.renditions.get(key);
    return found === undefined ? undefined : copyRendition(found);
  }

  async saveRendition(record: RenditionRecord): Promise<void> {
    this.throwIfFailing();
    this.renditions.set(record.key, copyRendition(record));
    this.lastUsed.set(record.key, record.createdAt.getTime());
  }

  async listRenditions(id: ImageId): Promise<readonly RenditionRecord[]> {
    this.throwIfFailing();
    return [...this.renditions.values()]
      .filter((record) => record.originalId === id)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || compareText(a.key, b.key))
      .map(copyRendition);
  }

  async deleteRendition(key: string): Promise<boolean> {
    this.throwIfFailing();
    return this.forget(key);
  }

  async deleteRenditionsOfVersion(id: ImageId, version: ContentVersion): Promise<void> {
    this.throwIfFailing();
    for (const [key, record] of this.renditions) {
      if (record.originalId === id && record.originalVersion === version) this.forget(key);
    }
  }

  async renditionBytes(): Promise<number> {
    this.throwIfFailing();
    let total = 0;
    for (const record of this.renditions.values()) total += record.bytes;
    return total;
  }

  async leastRecentlyUsed(limit: number): Promise<readonly RenditionRecord[]> {
    this.throwIfFailing();
    const usedAt = (key: string): number => this.lastUsed.get(key) ?? 0;
    return [...this.renditions.values()]
      .sort((a, b) => usedAt(a.key) - usedAt(b.key) || compareText(a.key, b.key))
      .slice(0, limit)
      .map(copyRendition);
  }

  async touchRenditions(keys: readonly string[], at: Date): Promise<void> {
    this.throwIfFailing();
    for (const key of keys) {
      const before = this.lastUsed.get(key);
      if (before !== undefined && before < at.getTime()) this.lastUsed.set(key, at.getTime());
    }
  }

  async check(): Promise<void> {
    this.throwIfFailing();
  }

  private forget(key: string): boolean {
    this.lastUsed.delete(key);
    return this.renditions.delete(key);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
