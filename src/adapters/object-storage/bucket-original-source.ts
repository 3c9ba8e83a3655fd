import { SourceUnreadableError } from '../../application/application-error.js';
import type { OriginalSource, SourceEntry } from '../../application/ports/original-source.js';
import type { ListedObject, ObjectBucket } from './object-bucket.js';
import { idOfFileName, isHiddenName } from './source-names.js';

/** A bucket that can list, as `lir import s3://…` and `gs://…` need. */
export type ListableBucket = ObjectBucket & Required<Pick<ObjectBucket, 'list'>>;

function reasonOf(error: unknown): string {
  // A StoreUnavailableError from the bucket says which call failed; its cause says why.
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

/**
 * The objects directly under one prefix of a bucket, as a bulk import's source: what `FolderOriginalSource` is for a
 * folder. In the bucket's listing order (by name), so a resumed run walks the same order. Objects below a further
 * `/` are not entries (an id cannot contain `/`), nor hidden names; the id is the object's base name without its
 * extension (`photos/holiday-01.jpg` → `holiday-01`).
 */
export class BucketOriginalSource implements OriginalSource {
  private readonly prefix: string;

  /** `prefix`: `''` for the whole bucket, else a folder-like prefix, with or without its trailing `/`. */
  constructor(
    private readonly bucket: ListableBucket,
    prefix: string,
    /** How reports name the source, e.g. `s3://bucket/photos/`. */
    private readonly label: string,
    /** Names per listing request; the bucket's largest page when absent (a test lists several pages of a few objects). */
    private readonly pageSize?: number,
  ) {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
  }

  async *entries(): AsyncIterable<SourceEntry> {
    const listing = this.bucket.list(this.prefix, this.pageSize)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<ListedObject>;
      try {
        next = await listing.next();
      } catch (error) {
        throw new SourceUnreadableError(`cannot list ${this.label} (${reasonOf(error)})`, { cause: error });
      }
      if (next.done === true) return;
      const entry = this.entryOf(next.value);
      if (entry !== undefined) yield entry;
    }
  }

  private entryOf(object: ListedObject): SourceEntry | undefined {
    const name = object.name.slice(this.prefix.length);
    // A folder marker (`photos/`), or a name the listing should not have returned.
    if (!object.name.startsWith(this.prefix) || name === '' || name.includes('/') || isHiddenName(name)) return undefined;
    return {
      name: object.name,
      id: idOfFileName(name),
      ...(object.bytes === undefined ? {} : { bytes: object.bytes }),
      read: async () => {
        let bytes: Uint8Array | undefined;
        try {
          bytes = await this.bucket.read(object.name);
        } catch (error) {
          throw new SourceUnreadableError(`cannot read ${object.name} (${reasonOf(error)})`, { cause: error });
        }
        if (bytes === undefined) throw new SourceUnreadableError(`cannot read ${object.name} (it is gone)`);
        return bytes;
      },
    };
  }
}
