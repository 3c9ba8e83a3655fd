import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { SourceUnreadableError } from '../../application/application-error.js';
import type { OriginalSource, SourceEntry } from '../../application/ports/original-source.js';
import { idOfFileName, isHiddenName } from '../object-storage/source-names.js';

function unreadable(what: string, error: unknown): SourceUnreadableError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new SourceUnreadableError(`cannot read ${what} (${reason})`, { cause: error });
}

/**
 * The files directly in one folder, as a bulk import's source: sorted by name, so a resumed run walks the same
 * order. Subfolders are not entered (an id cannot contain `/`) and hidden files (`.DS_Store`, editors' and our
 * own `.tmp` files) are not entries at all.
 */
export class FolderOriginalSource implements OriginalSource {
  /**
   * `idOf` names the id a file stands for: by default `idOfFileName`; the original service's `originals_dir` names
   * each file by its id whole (`holiday.2019` is that id, refused for its dot, never `holiday`).
   */
  constructor(
    private readonly folder: string,
    private readonly options: { readonly idOf?: (name: string) => string } = {},
  ) {}

  async *entries(): AsyncIterable<SourceEntry> {
    let names: string[];
    try {
      const dirents = await readdir(this.folder, { withFileTypes: true });
      names = dirents.filter((d) => !isHiddenName(d.name) && (d.isFile() || d.isSymbolicLink())).map((d) => d.name);
    } catch (error) {
      throw unreadable(`the folder ${this.folder}`, error);
    }
    names.sort();
    for (const name of names) yield await this.entryOf(name);
  }

  private async entryOf(name: string): Promise<SourceEntry> {
    const file = path.join(this.folder, name);
    // A vanished file or a dangling link is that entry's problem: it is refused when read.
    const bytes = await stat(file).then((s) => s.size, () => undefined);
    return {
      name,
      id: (this.options.idOf ?? idOfFileName)(name),
      ...(bytes === undefined ? {} : { bytes }),
      read: async () => {
        try {
          return await readFile(file);
        } catch (error) {
          throw unreadable(file, error);
        }
      },
    };
  }
}
