import { renditionPrefix } from '../domain/object-key.js';
import type { OriginalKey } from '../domain/original.js';
import type { CacheIndex } from './ports/cache-index.js';
import type { RenditionCache } from './ports/rendition-cache.js';

/**
 * Withdraws every rendition of one version of an original: rows first, then objects, so the index never names an
 * object the purge already removed (a rendition stored meanwhile whose object the purge then removes is rendered
 * again on its next request). Used after a re-upload and after the focal point changes.
 */
export async function purgeRenditionsOfVersion(deps: { readonly index: CacheIndex; readonly renditions: RenditionCache }, original: OriginalKey): Promise<void> {
  await deps.index.deleteRenditionsOfVersion(original.id, original.version);
  await deps.renditions.purge(renditionPrefix(original));
}
