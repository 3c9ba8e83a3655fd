/**
 * One candidate original in a bulk source (a folder, a bucket, an old deployment): the id it would be stored
 * under, as the source names it, and a way to read its bytes. Nothing about it is trusted: the id is validated
 * and the bytes are probed like an upload before anything is stored.
 */
export interface SourceEntry {
  /** Where the entry comes from, for reports: a file path, an object name. */
  readonly name: string;
  /** The id it claims, unvalidated (a file name without its extension, an old database's id). */
  readonly id: string;
  /** Its size when the listing tells it, so an entry over the limit is refused without being read. */
  readonly bytes?: number;
  /** The whole content. Throws `SourceUnreadableError` (with the driver's error as `cause`) when it cannot be read. */
  read(): Promise<Uint8Array>;
}

/**
 * Where a bulk import reads originals from. Listing is lazy and may be long; a failure to list (the folder or
 * bucket is gone) throws from the iteration, and the import stops there: unlike one unreadable entry, it
 * concerns every entry after it.
 */
export interface OriginalSource {
  /** Every entry, in a stable order (so a progress bar and a resumed run see the same sequence). */
  entries(): AsyncIterable<SourceEntry>;
}
