import { fileURLToPath } from 'node:url';
import { LOCAL_FILE_HEAD_BYTES, type LocalFile } from '../../src/application/ports/original-store.js';

/** The third-party test images, next to the repository (`../shared/corpus/`, with a trailing slash). */
export const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

/** A corpus file as a folder store's `OriginalStore.local` describes it: its path, size and head. */
export function corpusLocalFile(path: string, bytes: Buffer): LocalFile {
  return { path: `${CORPUS}${path}`, size: bytes.length, head: bytes.subarray(0, LOCAL_FILE_HEAD_BYTES) };
}
