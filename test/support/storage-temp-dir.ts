import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh folder under the OS temp folder; `remove` deletes it and everything in it. */
export async function makeTempDir(label: string): Promise<{ readonly path: string; readonly remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `live-image-resize-${label}-`));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every entry below `dir`, as slash-separated relative paths, directories marked with a trailing `/`; sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((entry) => {
      const relative = path.relative(dir, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/');
      return entry.isDirectory() ? `${relative}/` : relative;
    })
    .sort();
}
