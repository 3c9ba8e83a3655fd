import type { ImageId } from '../../domain/image-id.js';
import type { OutputFormat } from '../../domain/image-format.js';
import type { ContentVersion, OriginalKey, OriginalMetadata } from '../../domain/original.js';

/** One stored rendition as the index records it. */
export interface RenditionRecord {
  readonly key: string;
  readonly originalId: ImageId;
  readonly originalVersion: ContentVersion;
  readonly format: OutputFormat;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly createdAt: Date;
}

/** What `updateOriginal` may change. */
export type OriginalChanges = Partial<Pick<OriginalMetadata, 'placeholder' | 'focalPoint'>>;

/**
 * The cache index: which originals exist (with their metadata) and which renditions are stored.
 * A row is written only after its object is stored, so the index never points at nothing.
 *
 * Every method throws `IndexUnavailableError` (with the driver's error as `cause`) when the database
 * fails or cannot be reached; not-found is a return value.
 */
export interface CacheIndex {
  /** The original's metadata, or `undefined` when `id` has no original. */
  findOriginal(id: ImageId): Promise<OriginalMetadata | undefined>;

  /**
   * Records an original. With `replace: false` an existing row for the id makes it throw
   * `OriginalExistsError` (decided atomically by the database, so two racing uploads cannot both win);
   * with `replace: true` the row is replaced.
   */
  saveOriginal(original: OriginalMetadata, options: { readonly replace: boolean }): Promise<void>;

  /**
   * Sets fields of the original's row that can change without a new upload, only while the row still holds
   * `original.version` (a re-upload in between wins). A field left out of `changes` is kept; `focalPoint: undefined`
   * given explicitly clears it. Resolves `false` when no row of that id and version exists. Idempotent.
   */
  updateOriginal(original: OriginalKey, changes: OriginalChanges): Promise<boolean>;

  /** Removes the original's row and every rendition row of the id. Idempotent. */
  deleteOriginal(id: ImageId): Promise<void>;

  /** The rendition's row, or `undefined` when it is not (yet) stored. */
  findRendition(key: string): Promise<RenditionRecord | undefined>;

  /** Records a stored rendition. Idempotent: saving the same key again is not an error. */
  saveRendition(record: RenditionRecord): Promise<void>;

  /** Every rendition row of `id`, oldest first. */
  listRenditions(id: ImageId): Promise<readonly RenditionRecord[]>;

  /**
   * Removes one rendition row. Idempotent: resolves `false` when there was no row (another replica or a purge
   * removed it first), `true` when this call removed it, so that only one of two racing evictions counts.
   */
  deleteRendition(key: string): Promise<boolean>;

  /** Removes the rendition rows of one version of `id` (after a re-upload). Idempotent. */
  deleteRenditionsOfVersion(id: ImageId, version: ContentVersion): Promise<void>;

  /** The sum of `bytes` over every rendition row; 0 when there is none. */
  renditionBytes(): Promise<number>;

  /**
   * Up to `limit` rendition rows, least recently used first: by the last time `touchRenditions` recorded, or
   * else the time the row was saved (saving a key again counts as a use); ties by key. Empty when there is none.
   */
  leastRecentlyUsed(limit: number): Promise<readonly RenditionRecord[]>;

  /**
   * Records that these renditions were used at `at`, in one statement whatever the number of keys (callers
   * batch; an empty list does nothing). Keys without a row are ignored; a time earlier than the one recorded
   * does not move it back, so a late or repeated batch is harmless. Idempotent.
   */
  touchRenditions(keys: readonly string[], at: Date): Promise<void>;

  /** Resolves when the database answers; throws `IndexUnavailableError` otherwise. */
  check(): Promise<void>;
}
