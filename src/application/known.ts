import type { ImageId } from '../domain/image-id.js';
import type { OriginalMetadata } from '../domain/original.js';
import type { RenditionRecord } from './ports/cache-index.js';
import type { StoredObject } from './ports/rendition-cache.js';

/**
 * What this process already holds in memory, read without waiting for anything: the hot path answers image reads
 * from it synchronously, with no I/O and no promise (ADR 0034). Each returns `undefined` whenever memory has no
 * fresh answer, and the caller then asks the index or the store as usual.
 */

/** Index rows (`CachingCacheIndex`). The rows are memory's own: callers must not change them. */
export interface KnownRows {
  knownOriginal(id: ImageId): OriginalMetadata | undefined;
  knownRendition(key: string): RenditionRecord | undefined;
}

/** A stored rendition whose whole body is in memory. */
export type KnownObject = StoredObject & { readonly bytes: Uint8Array };

/** Renditions' bytes (`MemoryRenditionCache`). */
export interface KnownBytes {
  knownObject(key: string): KnownObject | undefined;
}
