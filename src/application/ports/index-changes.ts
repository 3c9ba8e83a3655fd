import type { ImageId } from '../../domain/image-id.js';

/**
 * A change to the shared index made by any process, as far as a memory of it is concerned:
 * - `original`: the original's row was replaced or removed (its renditions' rows may be gone with it);
 * - `rendition`: one rendition's row was removed;
 * - `unknown`: changes may have been missed (the feed lost its connection); nothing remembered can be trusted
 *   without asking the index again.
 */
export type IndexChange =
  | { readonly kind: 'original'; readonly id: ImageId }
  | { readonly kind: 'rendition'; readonly key: string }
  | { readonly kind: 'unknown' };

/**
 * Tells this process what other processes sharing the index changed in it, so that what it remembers of the
 * index (`CachingCacheIndex`) does not outlive a delete or a replacement elsewhere. Delivery is prompt but not
 * guaranteed: whenever changes may have been lost, an `unknown` change says so. Rows that are added are not
 * announced (a memory never holds what it has not seen).
 */
export interface IndexChanges {
  /** Calls `listener` with every change from now on, in the order they were committed. Never throws. */
  subscribe(listener: (change: IndexChange) => void): void;
}
