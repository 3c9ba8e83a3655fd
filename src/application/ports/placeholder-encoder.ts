import type { Pixels, Placeholder } from '../../domain/placeholder.js';

/**
 * Encodes the placeholder hashes of an image (SPEC §9) from its small decode. Pure computation, synchronous: a
 * preview of at most `PREVIEW_MAX_SIDE` pixels a side takes well under a millisecond per hash.
 *
 * Throws `UnsupportedImageError` when `preview` is larger than `PREVIEW_MAX_SIDE` a side or its `rgba` does not
 * hold `width × height × 4` bytes.
 */
export interface PlaceholderEncoder {
  encode(preview: Pixels): Pick<Placeholder, 'blurhash' | 'thumbhash'>;
}
