/** The size limits that every request and upload is checked against. */
export interface Limits {
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly maxScale: number;
  readonly maxInputPixels: number;
}

/** 4096 px: enough for a 4K screen at 1x, and bounds the output buffer a single request can force us to encode. */
export const DEFAULT_MAX_DIMENSION = 4096;
/** A device pixel ratio above 4 has no shipping display; larger ones only serve to amplify work. */
export const DEFAULT_MAX_SCALE = 4;
/** 50 MP covers every phone and most DSLR photos; beyond that a decode costs hundreds of MB (decompression bombs). */
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;
/** Numbers longer than this in a URL are rejected outright: no box is that big, and it keeps arithmetic exact. */
export const MAX_DIMENSION_DIGITS = 9;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxWidth: DEFAULT_MAX_DIMENSION,
  maxHeight: DEFAULT_MAX_DIMENSION,
  maxScale: DEFAULT_MAX_SCALE,
  maxInputPixels: DEFAULT_MAX_INPUT_PIXELS,
});
