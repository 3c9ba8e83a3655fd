import { StoreUnavailableError } from '../../application/application-error.js';
import { assertObjectKey } from '../../application/object-key.js';
import { isImageId } from '../../domain/image-id.js';
import { originalObjectKey } from '../../domain/object-key.js';
import { isContentVersion, type OriginalKey } from '../../domain/original.js';

/**
 * Object names of one store inside its bucket: every key validated by the one object-key rule, then placed
 * under the store's prefix, so that several stores (originals, renditions) can share a bucket.
 */
export class ObjectNames {
  /** `''`, or the configured prefix without slashes around it and with one `/` after it. */
  readonly prefix: string;

  constructor(prefix: string | undefined) {
    const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
    if (trimmed !== '') assertObjectKey(trimmed, 'key');
    this.prefix = trimmed === '' ? '' : `${trimmed}/`;
  }

  /** The bucket's name for `key`; throws `StoreUnavailableError` for a key that could leave the store. */
  of(key: string): string {
    assertObjectKey(key, 'key');
    return this.prefix + key;
  }

  /** The bucket's name prefix for a purge `prefix`; throws `StoreUnavailableError` like `of`. */
  ofPrefix(prefix: string): string {
    assertObjectKey(prefix, 'prefix');
    return this.prefix + prefix;
  }
}

/**
 * The object key of an original. The key's types are brands, so a caller can still hand over any strings: a key
 * outside the grammar (not an image id and a content version) is refused here, by every store alike.
 */
export function originalKeyOf(key: OriginalKey): string {
  if (!isImageId(key.id) || !isContentVersion(key.version)) {
    throw new StoreUnavailableError(
      `refusing original key ${JSON.stringify(`${key.id}/${key.version}`.slice(0, 220))}: not an image id and content version`,
    );
  }
  return originalObjectKey(key);
}

/**
 * Where a web server or CDN publishing a bucket or folder at `baseUrl` serves the object `name`: one `/` between
 * them whatever the base ends with, each name segment percent-encoded (a name may hold unicode or spaces).
 */
export function publicUrlOf(baseUrl: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${name.split('/').map(encodeURIComponent).join('/')}`;
}

/** Runs one bucket call, turning any failure into the stores' declared one, with the driver's error as `cause`. */
export async function unavailableOnFailure<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new StoreUnavailableError(`${what} failed`, { cause: error });
  }
}
