import type { Limits } from './limits.js';

/** How an original is fitted into a requested box (SPEC §2). */
export const FITS = ['clip', 'crop', 'canvas', 'cover'] as const;
export type Fit = (typeof FITS)[number];

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** A requested box: a `0` side is unconstrained (follows the aspect ratio). */
export type Box = Size;

/**
 * What a render must produce: the original is resized to `content`, then cropped (crop) or padded
 * (canvas) to `output`. For clip and cover, `content` and `output` are the same size.
 */
export interface Geometry {
  readonly content: Size;
  readonly output: Size;
}

/**
 * The box a request asks for after its device pixel ratio (at most two decimals, as requests
 * guarantee): `round(w·s) × round(h·s)`. Computed in hundredths because `25 * 1.14` is
 * `28.499999999999996` in floating point, which would round 28.5 down.
 */
export function scaleBox(box: Box, scale: number): Box {
  const hundredths = Math.round(scale * 100);
  return { width: Math.round((box.width * hundredths) / 100), height: Math.round((box.height * hundredths) / 100) };
}

export function exceedsLimits(box: Box, limits: Pick<Limits, 'maxWidth' | 'maxHeight'>): boolean {
  return box.width > limits.maxWidth || box.height > limits.maxHeight;
}

/**
 * The largest box within the limits with the same aspect ratio as `box` (SPEC §2: oversized
 * requests are redirected there). The binding side is set to its limit exactly, the other side
 * follows the ratio, rounded, never 0 unless it was 0 (unconstrained). Boxes inside the limits
 * come back unchanged.
 */
export function clampBox(box: Box, limits: Pick<Limits, 'maxWidth' | 'maxHeight'>): Box {
  if (!exceedsLimits(box, limits)) return box;
  const widthFactor = box.width > 0 ? limits.maxWidth / box.width : Infinity;
  const heightFactor = box.height > 0 ? limits.maxHeight / box.height : Infinity;
  if (widthFactor <= heightFactor) {
    const height = box.height === 0 ? 0 : Math.min(limits.maxHeight, Math.max(1, Math.round((box.height * limits.maxWidth) / box.width)));
    return { width: limits.maxWidth, height };
  }
  const width = box.width === 0 ? 0 : Math.min(limits.maxWidth, Math.max(1, Math.round((box.width * limits.maxHeight) / box.height)));
  return { width, height: limits.maxHeight };
}

function scaled(original: Size, factor: number): Size {
  return {
    width: Math.max(1, Math.round(original.width * factor)),
    height: Math.max(1, Math.round(original.height * factor)),
  };
}

/** The factor that keeps `original` inside the limits: nothing the service writes is ever larger. */
function limitFactor(original: Size, limits: Pick<Limits, 'maxWidth' | 'maxHeight'>): number {
  return Math.min(limits.maxWidth / original.width, limits.maxHeight / original.height);
}

/** clip: `s = min(bw/W, bh/H)`, a 0 side ignored, both 0 → the original's size. */
function clipFactor(original: Size, box: Box): number {
  const factors: number[] = [];
  if (box.width > 0) factors.push(box.width / original.width);
  if (box.height > 0) factors.push(box.height / original.height);
  return factors.length === 0 ? 1 : Math.min(...factors);
}

/**
 * SPEC §3: the size a render produces for an original of `original` (after EXIF orientation)
 * asked into `box` with `fit`. Pure and total: a box beyond the limits is clamped first, and the
 * result is never 0 and never beyond the limits.
 *
 * A `0` side makes crop, canvas and cover behave as clip (there is nothing to fill exactly).
 * Without upscaling, clip and cover never exceed the original's size, canvas pads the
 * unenlarged content, and crop shrinks the box (keeping its ratio) until it fits the original.
 */
export function computeGeometry(
  original: Size,
  requestedBox: Box,
  fit: Fit,
  limits: Pick<Limits, 'maxWidth' | 'maxHeight'>,
  allowUpscale = true,
): Geometry {
  const box = clampBox(requestedBox, limits);
  const bounded = (factor: number): number => Math.min(factor, limitFactor(original, limits), allowUpscale ? Infinity : 1);
  const hasZeroSide = box.width === 0 || box.height === 0;

  if (fit === 'clip' || hasZeroSide) {
    const content = scaled(original, bounded(clipFactor(original, box)));
    return { content, output: content };
  }
  if (fit === 'cover') {
    const content = scaled(original, bounded(Math.max(box.width / original.width, box.height / original.height)));
    return { content, output: content };
  }
  if (fit === 'canvas') {
    const content = scaled(original, bounded(clipFactor(original, box)));
    return {
      content: { width: Math.min(content.width, box.width), height: Math.min(content.height, box.height) },
      output: box,
    };
  }
  // crop
  let output: Size = box;
  if (!allowUpscale && (box.width > original.width || box.height > original.height)) {
    const shrink = Math.min(original.width / box.width, original.height / box.height);
    output = scaled(box, shrink);
  }
  const cover = Math.max(output.width / original.width, output.height / original.height);
  const content = {
    width: Math.max(output.width, Math.round(original.width * cover)),
    height: Math.max(output.height, Math.round(original.height * cover)),
  };
  return { content, output };
}
