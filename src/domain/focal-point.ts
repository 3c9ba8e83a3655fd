import { DomainError } from './domain-error.js';
import type { Size } from './scaling.js';

/**
 * The point a crop keeps in frame (SPEC §9): fractions 0…1 of the displayed image (after EXIF orientation),
 * from its top left. Kept per original, not per URL: a page asks for many sizes of one image and should not
 * have to know where its subject is.
 */
export interface FocalPoint {
  readonly x: number;
  readonly y: number;
}

/** A focal point outside 0…1 or not a number; `field` names what to fix (`x`, `y`, or the upload field `focal`). */
export class InvalidFocalPointError extends DomainError {
  readonly code = 'INVALID_FOCAL_POINT';

  constructor(
    readonly field: 'x' | 'y' | 'focal',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Four decimals: a ten-thousandth of the side is under a pixel up to 10 000 px, and equal points must give
 * equal rendition identities whatever digits a client sent.
 */
const DECIMALS = 10_000;

function coordinate(field: 'x' | 'y', value: unknown): number {
  const number = typeof value === 'string' && /^\s*[0-9.]+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw new InvalidFocalPointError(field, `${field} must be a number from 0 to 1 (a fraction of the image's ${field === 'x' ? 'width from the left' : 'height from the top'})`);
  }
  return Math.round(number * DECIMALS) / DECIMALS;
}

/** A focal point from JSON `{"x", "y"}` (numbers, or numeric strings); throws `InvalidFocalPointError` naming the field. */
export function focalPointOf(x: unknown, y: unknown): FocalPoint {
  return Object.freeze({ x: coordinate('x', x), y: coordinate('y', y) });
}

/** The upload field `focal=x,y`; throws `InvalidFocalPointError` naming `focal`, or the coordinate that is out of range. */
export function parseFocalPoint(text: string): FocalPoint {
  const parts = text.split(',');
  if (parts.length !== 2) throw new InvalidFocalPointError('focal', 'focal must be two numbers from 0 to 1 separated by a comma, e.g. focal=0.5,0.3');
  return focalPointOf(parts[0], parts[1]);
}

export function formatFocalPoint(point: FocalPoint): string {
  return `${point.x},${point.y}`;
}

/** Where a crop of `output` out of the resized image (`content`) starts. */
export interface CropOffset {
  readonly left: number;
  readonly top: number;
}

function offsetOnAxis(point: number, content: number, output: number): number {
  const centred = Math.round(point * content - output / 2);
  return Math.min(Math.max(centred, 0), content - output);
}

/**
 * The window of `output` within `content` that keeps `point` in frame, as close to the output's centre as the
 * content allows: centred on the point (to the pixel) where the crop has room, pushed against the edge where it
 * has not. The point, at `point.x · content.width` from the left, then lies within `[left, left + output.width]`
 * (property-tested). `content` is at least `output` on both sides, as a crop's geometry is.
 */
export function focalCrop(content: Size, output: Size, point: FocalPoint): CropOffset {
  return {
    left: offsetOnAxis(point.x, content.width, output.width),
    top: offsetOnAxis(point.y, content.height, output.height),
  };
}
