/**
 * What a page shows while an image loads (SPEC §9), computed once from a small decode at upload and kept with the
 * original's metadata, so serving it costs no decode. Two hashes because clients use both: BlurHash is what most
 * front-end libraries and apps already decode; ThumbHash keeps alpha and the aspect ratio and looks closer to the
 * image for a few bytes more (ADR 0028).
 */
export interface Placeholder {
  readonly blurhash: string;
  /** Base64 (standard alphabet, padded), as the ThumbHash reference code prints it. */
  readonly thumbhash: string;
  /** `#rrggbb`: the colour most of the image is, for a plain background. */
  readonly dominantColor: string;
}

/** Decoded pixels, 8-bit RGBA (not premultiplied), row by row. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** The longest side of the decode placeholders are computed from: ThumbHash accepts at most 100 px a side. */
export const PREVIEW_MAX_SIDE = 100;

/** Pixels more transparent than this say nothing about the colour a page should show. */
const OPAQUE_ENOUGH = 128;

/** 4 bits a channel: close shades fall in one bucket, so the most common bucket is the colour a viewer sees most of. */
const BUCKET_SHIFT = 4;
const BUCKETS = 1 << (3 * (8 - BUCKET_SHIFT));

function hex(value: number): string {
  return Math.round(value).toString(16).padStart(2, '0');
}

function bucketOf(rgba: Uint8Array, at: number): number {
  return ((rgba[at]! >> BUCKET_SHIFT) << 8) | ((rgba[at + 1]! >> BUCKET_SHIFT) << 4) | (rgba[at + 2]! >> BUCKET_SHIFT);
}

/**
 * The dominant colour: the mean of the most populated colour bucket among the (mostly) opaque pixels, or among all
 * of them when the image is nearly all transparent. `#rrggbb`.
 */
export function dominantColour(pixels: Pixels): string {
  const { rgba } = pixels;
  let opaqueOnly = false;
  for (let at = 3; at < rgba.length; at += 4) if (rgba[at]! >= OPAQUE_ENOUGH) opaqueOnly = true;
  // One slot per bucket (12 bits): typed arrays, not a Map of arrays, since this runs for every stored original.
  const counts = new Uint32Array(BUCKETS);
  const sums = new Float64Array(BUCKETS * 3);
  let best = -1;
  for (let at = 0; at + 3 < rgba.length; at += 4) {
    if (opaqueOnly && rgba[at + 3]! < OPAQUE_ENOUGH) continue;
    const bucket = bucketOf(rgba, at);
    sums[bucket * 3]! += rgba[at]!;
    sums[bucket * 3 + 1]! += rgba[at + 1]!;
    sums[bucket * 3 + 2]! += rgba[at + 2]!;
    counts[bucket]! += 1;
    // The first bucket to reach the highest count wins a tie.
    if (best < 0 || counts[bucket]! > counts[best]!) best = bucket;
  }
  if (best < 0) return '#000000';
  const n = counts[best]!;
  return `#${hex(sums[best * 3]! / n)}${hex(sums[best * 3 + 1]! / n)}${hex(sums[best * 3 + 2]! / n)}`;
}

/** The size of the decode placeholders are computed from: the displayed size reduced to `PREVIEW_MAX_SIDE`, aspect kept, never 0. */
export function previewSize(displayed: { readonly width: number; readonly height: number }): { width: number; height: number } {
  const factor = Math.min(1, PREVIEW_MAX_SIDE / Math.max(displayed.width, displayed.height));
  return { width: Math.max(1, Math.round(displayed.width * factor)), height: Math.max(1, Math.round(displayed.height * factor)) };
}
