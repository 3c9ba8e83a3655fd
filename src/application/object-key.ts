import { StoreUnavailableError } from './application-error.js';

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

/** Throws the stores' declared failure, `StoreUnavailableError`, for a key `objectKeyProblem` refuses. */
export function assertObjectKey(key: string, kind: 'key' | 'prefix'): void {
  const problem = objectKeyProblem(key, kind);
  if (problem !== undefined) {
    throw new StoreUnavailableError(`refused object ${kind} ${JSON.stringify(key.slice(0, 200))}: it ${problem}`);
  }
}
