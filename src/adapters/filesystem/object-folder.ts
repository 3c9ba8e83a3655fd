import { mkdir, open, opendir, readdir, rename, rm, rmdir, stat, statfs, type FileHandle } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { StoreUnavailableError } from '../../application/application-error.js';
// Refuses `.`/`..` and empty segments, absolute keys, backslashes (a separator on Windows) and NUL (which
// truncates paths in C APIs); `confined` below checks the resolved path as well.
import { assertObjectKey } from '../../application/object-key.js';
import { LOCAL_FILE_HEAD_BYTES, type LocalFile } from '../../application/ports/original-store.js';
import type { StoredObject } from '../../application/ports/rendition-cache.js';
import { contentTypeOf, formatFromExtension } from '../../domain/image-format.js';
import type { ObjectBucket, ObjectMetadata } from '../object-storage/object-bucket.js';
import { isStaleTempFile, isTempFileName, STALE_TEMP_AGE_MS, tempFileName } from './temp-files.js';

// A purge or delete may remove a directory between our mkdir and the open of the temp file in it.
const CREATE_ATTEMPTS = 5;
// A write may create a file in a folder that a purge is removing (a rendition stored while its original is
// deleted), which makes the folder's final rmdir fail with ENOTEMPTY; `rm` starts over this many times.
const PURGE_RETRIES = 5;

function isErrorCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

/** The configuration slice of a folder store. */
export interface ObjectFolderOptions {
  /**
   * `check()` fails (the service reports not ready) while the disk holding the folder has less free space
   * than this for unprivileged users, so that a full disk is noticed before writes fail. 0 turns it off.
   */
  readonly minFreeBytes?: number;
}

function describe(key: string): string {
  return JSON.stringify(key.length > 200 ? `${key.slice(0, 200)}…` : key);
}

/**
 * A local folder as an `ObjectBucket`, holding objects under slash-separated keys. Every path it touches is
 * resolved from a validated key and checked to lie inside the root; writes are atomic (temp file in the same
 * directory, fsync, rename); foreign errors become `StoreUnavailableError`.
 *
 * The folder holds the bare bytes, so that a static web server can publish it: metadata given to `put` is not
 * kept, and `open` derives the content type from the key's extension (rendition keys always end in their
 * format's extension), as that web server would.
 */
export class ObjectFolder implements ObjectBucket {
  readonly root: string;
  private readonly minFreeBytes: number;

  constructor(root: string, options: ObjectFolderOptions = {}) {
    this.root = path.resolve(root);
    this.minFreeBytes = options.minFreeBytes ?? 0;
  }

  /** The absolute path of an object; throws `StoreUnavailableError` for keys that could leave the root. */
  pathOf(key: string): string {
    assertObjectKey(key, 'key');
    return this.confined(key);
  }

  async put(key: string, bytes: Uint8Array, _metadata?: ObjectMetadata): Promise<void> {
    const target = this.pathOf(key);
    try {
      await writeAtomically(target, bytes);
    } catch (error) {
      throw new StoreUnavailableError(`cannot write ${describe(key)}`, { cause: error });
    }
  }

  /** The whole object, or `undefined` when there is none. */
  async read(key: string): Promise<Uint8Array | undefined> {
    const opened = await this.openFile(key);
    if (opened === undefined) return undefined;
    const { handle, size } = opened;
    try {
      return await readWhole(handle, size);
    } catch (error) {
      throw new StoreUnavailableError(`cannot read ${describe(key)}`, { cause: error });
    } finally {
      await handle.close();
    }
  }

  /** The object's file: its path, size and first `LOCAL_FILE_HEAD_BYTES`, or `undefined` when there is no object. */
  async local(key: string): Promise<LocalFile | undefined> {
    const opened = await this.openFile(key);
    if (opened === undefined) return undefined;
    const { handle, size } = opened;
    try {
      const head = new Uint8Array(Math.min(size, LOCAL_FILE_HEAD_BYTES));
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      return { path: this.pathOf(key), size, head: head.subarray(0, bytesRead) };
    } catch (error) {
      throw new StoreUnavailableError(`cannot read ${describe(key)}`, { cause: error });
    } finally {
      await handle.close();
    }
  }

  /** A stream over the object, or `undefined` when there is none. The stream closes the descriptor when it ends or is destroyed. */
  async open(key: string): Promise<StoredObject | undefined> {
    const opened = await this.openFile(key);
    if (opened === undefined) return undefined;
    const { handle, size } = opened;
    // Objects are replaced by rename, never written in place, so the size read from this descriptor holds;
    // `end` spares the read that would only find the end of the file.
    const body = handle.createReadStream(size === 0 ? {} : { start: 0, end: size - 1 });
    return { body, size, contentType: contentTypeOfKey(key) };
  }

  /** Removes one object; a missing object is not an error. */
  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    try {
      await rm(file, { force: true });
      await this.removeEmptyDirectories(path.dirname(file));
    } catch (error) {
      throw new StoreUnavailableError(`cannot delete ${describe(key)}`, { cause: error });
    }
  }

  /** Removes every object whose key starts with `prefix`; `a/b/` removes the folder `a/b`, `a/b` also `a/bc…`. */
  async deletePrefix(prefix: string): Promise<void> {
    assertObjectKey(prefix, 'prefix');
    const slash = prefix.lastIndexOf('/');
    const folder = slash < 0 ? this.root : this.confined(prefix.slice(0, slash));
    const namePrefix = prefix.slice(slash + 1);
    try {
      if (namePrefix === '') {
        await rm(folder, { recursive: true, force: true, maxRetries: PURGE_RETRIES, retryDelay: 10 });
      } else {
        for (const name of await listOrNothing(folder)) {
          if (name.startsWith(namePrefix)) await rm(path.join(folder, name), { recursive: true, force: true, maxRetries: PURGE_RETRIES, retryDelay: 10 });
        }
      }
      await this.removeEmptyDirectories(namePrefix === '' ? path.dirname(folder) : folder);
    } catch (error) {
      throw new StoreUnavailableError(`cannot purge ${describe(prefix)}`, { cause: error });
    }
  }

  /**
   * Creates the root when missing, proves it writable by creating and removing a probe file, and fails when
   * the disk has less than `minFreeBytes` free.
   */
  async check(_prefix?: string): Promise<void> {
    // Named like a temp file, so that a probe left by a crash is swept like one.
    const probe = path.join(this.root, tempFileName('check'));
    try {
      await mkdir(this.root, { recursive: true });
      await (await open(probe, 'wx')).close();
      await rm(probe);
    } catch (error) {
      throw new StoreUnavailableError(`the folder ${this.root} is not a writable directory`, { cause: error });
    }
    if (this.minFreeBytes > 0) await this.checkFreeSpace();
  }

  /**
   * Removes the temp files of writes that will never finish (their process was killed), everywhere below the
   * root, and the folders that leaves empty; `isStaleTempFile` says which are safe to remove while other
   * processes may be writing. Returns how many it removed. Nothing else is touched, whatever its age.
   */
  async removeStaleTempFiles(maxAgeMs = STALE_TEMP_AGE_MS): Promise<number> {
    let removed = 0;
    const sweep = async (directory: string): Promise<void> => {
      let emptied = false;
      for await (const entry of await opendirOrNothing(directory)) {
        const file = path.join(directory, entry.name);
        if (entry.isDirectory()) await sweep(file);
        else if (entry.isFile() && isTempFileName(entry.name) && (await this.isStale(file, maxAgeMs))) {
          await rm(file, { force: true });
          removed += 1;
          emptied = true;
        }
      }
      if (emptied) await this.removeEmptyDirectories(directory);
    };
    try {
      await sweep(this.root);
    } catch (error) {
      throw new StoreUnavailableError(`cannot remove stale temp files under ${this.root}`, { cause: error });
    }
    return removed;
  }

  private async isStale(file: string, maxAgeMs: number): Promise<boolean> {
    const stats = await stat(file).catch((error: unknown) => (isErrorCode(error, 'ENOENT') ? undefined : Promise.reject(error)));
    return stats !== undefined && isStaleTempFile(path.basename(file), Date.now() - stats.mtimeMs, maxAgeMs);
  }

  private async checkFreeSpace(): Promise<void> {
    let free: number;
    try {
      const disk = await statfs(this.root);
      // bavail, not bfree: the blocks reserved for root are of no use to this (unprivileged) service.
      free = disk.bavail * disk.bsize;
    } catch (error) {
      throw new StoreUnavailableError(`cannot read the free space of ${this.root}`, { cause: error });
    }
    if (free < this.minFreeBytes) {
      throw new StoreUnavailableError(
        `the disk of ${this.root} has ${mebibytes(free)} free, less than the ${mebibytes(this.minFreeBytes)} required (minFreeBytes)`,
      );
    }
  }

  // Keys are validated before they get here; this second check does not depend on that validation being right.
  private confined(relative: string): string {
    const resolved = path.resolve(this.root, ...relative.split('/'));
    if (!resolved.startsWith(this.root + path.sep)) {
      throw new StoreUnavailableError(`refusing key ${describe(relative)}: it resolves outside ${this.root}`);
    }
    return resolved;
  }

  /** The open descriptor and its size (from the same `fstat` that proves it a file), or `undefined` when there is no object. */
  private async openFile(key: string): Promise<{ handle: FileHandle; size: number } | undefined> {
    const file = this.pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isErrorCode(error, 'ENOENT')) return undefined;
      throw new StoreUnavailableError(`cannot open ${describe(key)}`, { cause: error });
    }
    try {
      // A directory is where a purge prefix lives, not an object (as in a bucket, where it would not exist).
      const stats = await handle.stat();
      if (stats.isFile()) return { handle, size: stats.size };
    } catch (error) {
      await handle.close();
      throw new StoreUnavailableError(`cannot open ${describe(key)}`, { cause: error });
    }
    await handle.close();
    return undefined;
  }

  // Without this, every deleted id would leave an empty folder behind forever.
  private async removeEmptyDirectories(from: string): Promise<void> {
    for (let directory = from; directory.startsWith(this.root + path.sep); directory = path.dirname(directory)) {
      try {
        await rmdir(directory);
      } catch (error) {
        if (isErrorCode(error, 'ENOENT')) continue;
        if (isErrorCode(error, 'ENOTEMPTY', 'EEXIST')) return;
        throw error;
      }
    }
  }
}

function contentTypeOfKey(key: string): string {
  const dot = key.lastIndexOf('.');
  const format = dot > key.lastIndexOf('/') ? formatFromExtension(key.slice(dot + 1).toLowerCase()) : undefined;
  return format === undefined ? 'application/octet-stream' : contentTypeOf(format);
}

/** `size` bytes in as few reads as the kernel allows (one, usually), rather than `readFile`'s second `fstat` and 512 KiB chunks. */
async function readWhole(handle: FileHandle, size: number): Promise<Uint8Array> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === size ? buffer : buffer.subarray(0, filled);
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

// A folder removed meanwhile (by a purge, or by another replica's sweep) has nothing left to sweep.
async function opendirOrNothing(folder: string): Promise<AsyncIterable<Dirent> | Iterable<Dirent>> {
  try {
    return await opendir(folder);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
}

async function listOrNothing(folder: string): Promise<string[]> {
  try {
    return await readdir(folder);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return [];
    throw error;
  }
}

/**
 * Writes `bytes` to a uniquely named temp file beside `target`, fsyncs it and renames it over `target`. A rename
 * within one directory is atomic, so readers see the old object or the new one, never a part; after a crash
 * only a temp file can be incomplete, never `target`. On failure the temp file is removed.
 */
async function writeAtomically(target: string, bytes: Uint8Array): Promise<void> {
  const directory = path.dirname(target);
  const temp = path.join(directory, tempFileName(path.basename(target)));
  const handle = await createExclusive(directory, temp);
  let renamed = false;
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
  // The rename itself is only durable once the directory entry is on disk: without this, a power cut after the
  // index recorded the object could lose it.
  const folder = await open(directory, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

async function createExclusive(directory: string, file: string): Promise<FileHandle> {
  // The directory usually exists already (every rendition of an original shares one): mkdir only when the open says so.
  for (let attempt = 1; ; attempt++) {
    try {
      return await open(file, 'wx', 0o644);
    } catch (error) {
      if (!isErrorCode(error, 'ENOENT') || attempt > CREATE_ATTEMPTS) throw error;
    }
    await mkdir(directory, { recursive: true });
  }
}
