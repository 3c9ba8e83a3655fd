import type { OutputFormat } from '../../domain/image-format.js';

const NEGOTIABLE: ReadonlyArray<readonly [string, OutputFormat]> = [
  ['image/avif', 'avif'],
  ['image/webp', 'webp'],
];

/**
 * The modern formats an `Accept` header names explicitly with q > 0. Wildcards do not count:
 * browsers send `image/*` while still failing on AVIF, so only an explicit type opts in.
 */
export function acceptedFormats(header: string | undefined): ReadonlySet<OutputFormat> {
  const accepted = new Set<OutputFormat>();
  if (!header) return accepted;
  for (const part of header.toLowerCase().split(',')) {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    const format = NEGOTIABLE.find(([mime]) => mime === type)?.[1];
    if (format) accepted.add(format);
  }
  return accepted;
}

/** `If-None-Match` validators, e.g. `"a", W/"b"` → [`"a"`, `W/"b"`]. */
export function entityTags(header: string | undefined): string[] {
  if (!header) return [];
  return header.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
