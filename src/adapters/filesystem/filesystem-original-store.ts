import { StoreUnavailableError } from '../../application/application-error.js';
import type { OriginalStore } from '../../application/ports/original-store.js';
import { isImageId } from '../../domain/image-id.js';
import { isContentVersion, originalObjectKey, type OriginalKey } from '../../domain/original.js';
import { ObjectFolder } from './object-folder.js';

/** The configuration slice `FilesystemOriginalStore` needs. */
export interface FilesystemOriginalStoreConfig {
  /** Folder holding one file per original version, at `{root}/{id}/{version}`; created by `check()` when missing. */
  readonly root: string;
}

/**
 * Originals in a local folder, byte for byte, written atomically. The content type is not kept: the index
 * records each original's format, and the bytes are never served from here directly.
 */
export class FilesystemOriginalStore implements OriginalStore {
  private readonly folder: ObjectFolder;

  constructor(config: FilesystemOriginalStoreConfig) {
    this.folder = new ObjectFolder(config.root);
  }

  async put(key: OriginalKey, bytes: Uint8Array, _contentType: string): Promise<void> {
    await this.folder.write(objectKeyOf(key), bytes);
  }

  async get(key: OriginalKey): Promise<Uint8Array | undefined> {
    return this.folder.read(objectKeyOf(key));
  }

  async delete(key: OriginalKey): Promise<void> {
    await this.folder.remove(objectKeyOf(key));
  }

  async check(): Promise<void> {
    await this.folder.check();
  }
}

// The types are brands, so a caller can still hand us anything; a key outside the grammar is refused here.
function objectKeyOf(key: OriginalKey): string {
  if (!isImageId(key.id) || !isContentVersion(key.version)) {
    throw new StoreUnavailableError(
      `refusing original key ${JSON.stringify(`${key.id}/${key.version}`.slice(0, 220))}: not an image id and content version`,
    );
  }
  return originalObjectKey(key);
}
