import type { OutputFormat } from '../../domain/image-format.js';

const NEGOTIABLE: ReadonlyArray<readonly [string, OutputFormat]> = [
  ['image/avif', 'avif'],
  ['image/webp', 'webp'],
];

/**
 * One set per combination of negotiable formats, shared by every header that names it: a parsed URL kept in memory
 * (ADR 0034) holds its `Accept` formats, and a set of its own for each would cost about 150 bytes for the same few
 * values. At most 2^|NEGOTIABLE| entries.
 */
const SHARED_SETS = new Map<string, ReadonlySet<OutputFormat>>();

/**
 * The modern formats an `Accept` header names explicitly with q > 0. Wildcards do not count:
 * browsers send `image/*` while still failing on AVIF, so only an explicit type opts in. Equal answers are the
 * same (shared, read-only) set.
 */
export function acceptedFormats(header: string | undefined): ReadonlySet<OutputFormat> {
  const accepted: OutputFormat[] = [];
  if (header) {
    for (const part of header.toLowerCase().split(',')) {
      const [type = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => p.startsWith('q='));
      if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
      const format = NEGOTIABLE.find(([mime]) => mime === type)?.[1];
      if (format && !accepted.includes(format)) accepted.push(format);
    }
  }
  const key = accepted.sort().join(',');
  let shared = SHARED_SETS.get(key);
  if (shared === undefined) {
    shared = new Set(accepted);
    SHARED_SETS.set(key, shared);
  }
  return shared;
}

/** `If-None-Match` validators, e.g. `"a", W/"b"` → [`"a"`, `W/"b"`]. */
export function entityTags(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
