import { ImageTooLargeError } from './domain-error.js';
import { supportsAnimation, type InputFormat } from './image-format.js';

/**
 * The size limits that every request and upload is checked against: the one home of these rules. The
 * application applies them (`checkOriginalSize` before any decode, `computeGeometry` for every box); an adapter
 * only ever gets the numbers a checked header declared, never a limit of its own.
 */
export interface Limits {
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly maxScale: number;
  /** Pixels an original may declare across every frame a render may decode. */
  readonly maxInputPixels: number;
  /** Frames an animated original (GIF, WebP) may declare. */
  readonly maxFrames: number;
  /**
   * `limits.allowedSizes` (SPEC §8): the only boxes (after DPR scaling) rendered; any other box is
   * redirected to one of these. Absent or empty: every box within the limits is rendered.
   */
  readonly allowedSizes?: ReadonlyArray<{ readonly width: number; readonly height: number }>;
}

/**
 * What a header declares, as far as the limits care (an `ImageInfo` is one). Declared here rather than imported
 * from `original.ts`, which hashes with `node:crypto`: the URL helpers that browsers bundle import this module.
 */
export interface DeclaredImage {
  readonly format: InputFormat;
  readonly width: number;
  readonly height: number;
  readonly pages: number;
}

/** 4096 px: enough for a 4K screen at 1x, and bounds the output buffer a single request can force us to encode. */
export const DEFAULT_MAX_DIMENSION = 4096;
/** A device pixel ratio above 4 has no shipping display; larger ones only serve to amplify work. */
export const DEFAULT_MAX_SCALE = 4;
/** 50 MP covers every phone and most DSLR photos; beyond that a decode costs hundreds of MB (decompression bombs). */
export const DEFAULT_MAX_INPUT_PIXELS = 50_000_000;
/**
 * 1000 frames is 40 s of animation at 25 fps. Every frame costs about a millisecond of fixed work in libvips
 * whatever its size (measured: 1000 frames of 1x1 → a 64x32 WebP in 1.0 s), so a tiny file of 40 000 one-pixel
 * frames would otherwise buy 40 s of CPU per rendition while staying far under the pixel limit (ADR 0014).
 */
export const DEFAULT_MAX_FRAMES = 1000;
/** Numbers longer than this in a URL are rejected outright: no box is that big, and it keeps arithmetic exact. */
export const MAX_DIMENSION_DIGITS = 9;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxWidth: DEFAULT_MAX_DIMENSION,
  maxHeight: DEFAULT_MAX_DIMENSION,
  maxScale: DEFAULT_MAX_SCALE,
  maxInputPixels: DEFAULT_MAX_INPUT_PIXELS,
  maxFrames: DEFAULT_MAX_FRAMES,
});

/**
 * Frames a render of this original may decode: every frame of a GIF or WebP (an animated output keeps them
 * all), only the first page of anything else (multi-page TIFF and HEIF are rendered from page 0).
 */
export function decodedFrames(info: Pick<DeclaredImage, 'format' | 'pages'>): number {
  return supportsAnimation(info.format) ? Math.max(1, info.pages) : 1;
}

/** Pixels a full decode of this original produces: what a decoder may be allowed to allocate for it. */
export function decodedPixels(info: DeclaredImage): number {
  return info.width * info.height * decodedFrames(info);
}

/**
 * SPEC §5.2: an original whose header declares more pixels (across its decoded frames) or more frames than the
 * limits is refused with `ImageTooLargeError` (413) — decided from the header, before anything is decoded.
 */
export function checkOriginalSize(info: DeclaredImage, limits: Pick<Limits, 'maxInputPixels' | 'maxFrames'>): void {
  const frames = decodedFrames(info);
  if (frames > limits.maxFrames) {
    throw new ImageTooLargeError(`the animation declares ${frames} frames, more than the limit of ${limits.maxFrames}`);
  }
  const pixels = decodedPixels(info);
  if (pixels > limits.maxInputPixels) {
    throw new ImageTooLargeError(
      `the image declares ${pixels} pixels (${info.width}x${info.height}${frames > 1 ? ` x ${frames} frames` : ''}), more than the limit of ${limits.maxInputPixels}`,
    );
  }
}
