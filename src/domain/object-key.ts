import { canonicalExtension, type OutputFormat } from './image-format.js';
import type { ImageId } from './image-id.js';
import type { OriginalKey } from './original.js';

/*
 * The object-key grammar, in one place: what any key in a store may look like, and where each original and
 * rendition lives. Originals are stored per content version under `{id}/{version}`, renditions under
 * `{id}/{version[0..16]}/{fingerprint}.{ext}`, so everything of one id shares the prefix `{id}/` and every
 * rendition of one version shares `{id}/{version[0..16]}/`: a purge is one listing (ADR 0007).
 */

/**
 * Why `key` is not an acceptable object key (or purge prefix), or `undefined` when it is. Every
 * storage adapter applies this one rule, so that the same key means the same object on every driver:
 * a filesystem would resolve `..` out of its root, and proxies and CDNs in front of a public bucket
 * URL normalise such paths. A prefix may end with `/` (everything below it) but may not be empty,
 * which would name the whole store.
 */
export function objectKeyProblem(key: string, kind: 'key' | 'prefix'): string | undefined {
  if (key === '') return 'is empty';
  if (key.startsWith('/')) return 'is absolute';
  const segments = key.split('/');
  if (kind === 'prefix' && segments.length > 1 && segments.at(-1) === '') segments.pop();
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return 'has an empty, "." or ".." segment';
  if (/[\\\u0000-\u001f\u007f]/.test(key)) return 'contains a backslash or a control character';
  return undefined;
}

/** Where an original's bytes live: one object per content version, so an overwrite never clobbers what a reader holds. */
export function originalObjectKey(key: OriginalKey): string {
  return `${key.id}/${key.version}`;
}

/** The prefix under which everything of an id is stored (both stores): what a DELETE purges. */
export function imagePrefix(id: ImageId): string {
  return `${id}/`;
}

/** The key prefix under which every rendition of one version of an original is stored. */
export function renditionPrefix(original: OriginalKey): string {
  return `${imagePrefix(original.id)}${original.version.slice(0, 16)}/`;
}

/** `{id}/{version[0..16]}/{fingerprint}.{ext}`. */
export function renditionObjectKey(original: OriginalKey, fingerprint: string, format: OutputFormat): string {
  return `${renditionPrefix(original)}${fingerprint}.${canonicalExtension(format)}`;
}
