import { rgbaToThumbHash } from 'thumbhash';
import type { PlaceholderEncoder } from '../../application/ports/placeholder-encoder.js';
import { UnsupportedImageError } from '../../domain/domain-error.js';
import { PREVIEW_MAX_SIDE, type Pixels, type Placeholder } from '../../domain/placeholder.js';
import { blurhashOf } from './blurhash.js';

/**
 * BlurHash components along the longer and the shorter side: 4×3 is what the BlurHash authors suggest for photos
 * (a 28-character hash), turned with the image so that a portrait gets more detail where it has more length.
 */
const LONG_COMPONENTS = 4;
const SHORT_COMPONENTS = 3;

/**
 * BlurHash has no alpha: transparent pixels are composited onto white, the background a page most likely has (and
 * the one the service flattens JPEG renditions onto), rather than read as whatever colour their RGB holds.
 */
function opaqueOnWhite(rgba: Uint8Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray(rgba.length);
  for (let at = 0; at < rgba.length; at += 4) {
    const alpha = rgba[at + 3]! / 255;
    for (let channel = 0; channel < 3; channel++) out[at + channel] = rgba[at + channel]! * alpha + 255 * (1 - alpha);
    out[at + 3] = 255;
  }
  return out;
}

/** The `PlaceholderEncoder` port on BlurHash (our encoder, hash for hash the reference's) and the reference ThumbHash (`thumbhash`) encoder. */
export class HashPlaceholderEncoder implements PlaceholderEncoder {
  encode(preview: Pixels): Pick<Placeholder, 'blurhash' | 'thumbhash'> {
    const { width, height, rgba } = preview;
    if (width < 1 || height < 1 || width > PREVIEW_MAX_SIDE || height > PREVIEW_MAX_SIDE || rgba.length !== width * height * 4) {
      throw new UnsupportedImageError(`a placeholder needs 1…${PREVIEW_MAX_SIDE} px a side of RGBA, not ${width}×${height} in ${rgba.length} bytes`);
    }
    const landscape = width >= height;
    const blurhash = blurhashOf(
      opaqueOnWhite(rgba),
      width,
      height,
      landscape ? LONG_COMPONENTS : SHORT_COMPONENTS,
      landscape ? SHORT_COMPONENTS : LONG_COMPONENTS,
    );
    const thumbhash = Buffer.from(rgbaToThumbHash(width, height, rgba)).toString('base64');
    return { blurhash, thumbhash };
  }
}
