import { createHash, randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';

/** The process that wrote a temp file, as recorded in its name. */
export interface TempWriter {
  /** First 8 hex characters of SHA-256 of the host name. */
  readonly host: string;
  readonly pid: number;
  /** Random per process: a restarted container reuses both the host name and the pid (often 1). */
  readonly tag: string;
}

/** This process. */
export const THIS_WRITER: TempWriter = {
  host: createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8),
  pid: process.pid,
  tag: randomBytes(4).toString('hex'),
};

/**
 * No write keeps its temp file this long: one write is a single `writeFile` of at most one upload or
 * rendition, an fsync and a rename, seconds even on a slow disk. An hour leaves room for a disk stalled far
 * beyond any request's time limit, so a temp file this old has no live writer, whichever host wrote it.
 */
export const STALE_TEMP_AGE_MS = 60 * 60 * 1000;

// `.{name}.{host}-{pid}-{tag}.{uuid}.tmp`; names written before the writer was recorded lack the middle part.
const TEMP_NAME = /^\.(.*?)\.(?:([0-9a-f]{8})-(\d+)-([0-9a-f]{8})\.)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/** A unique name for the temp file of a write to `name`, in the same directory, recording who writes it. */
export function tempFileName(name: string, writer: TempWriter = THIS_WRITER): string {
  return `.${name}.${writer.host}-${writer.pid}-${writer.tag}.${randomUUID()}.tmp`;
}

export function isTempFileName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Whether a temp file can be removed without breaking a write in progress. Several replicas may share the
 * folder (a network volume), so "every temp file at start-up" would cut off another replica's write (its
 * rename fails, and so does that upload). Instead:
 * - written on this host by a process that no longer runs, or by an earlier process with this pid (a
 *   restarted container): stale at once — that is the `kill -9` case;
 * - anything else (another host, a live process here, a name without a writer): stale only once older than
 *   `maxAgeMs`, because another host's processes cannot be asked whether they still run.
 * Two containers given the same host name on one volume defeat the first rule (each sees the other's pids as
 * dead); the worst outcome is a failed write, retried, never a damaged object: objects appear only by rename.
 */
export function isStaleTempFile(name: string, ageMs: number, maxAgeMs = STALE_TEMP_AGE_MS): boolean {
  const match = TEMP_NAME.exec(name);
  if (match === null) return false;
  const [, , host, pid, tag] = match;
  if (host === THIS_WRITER.host && pid !== undefined) {
    const crashed = Number(pid) === THIS_WRITER.pid ? tag !== THIS_WRITER.tag : !isRunning(Number(pid));
    if (crashed) return true;
  }
  return ageMs > maxAgeMs;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
