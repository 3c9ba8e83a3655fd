import { InvalidRequestError } from '../../../src/domain/domain-error.js';
import type { Gravity } from '../../../src/domain/image-request.js';
import type { Fit } from '../../../src/domain/scaling.js';

// The frameworks name fits as sharp/IPX or CSS `object-fit` do, and their words mean something else here
// (SPEC §2): their `cover` (fill the box, cut the overflow) is our `crop`, and our `cover` (the box is a
// lower bound, nothing cut) is their `outside`. Loaders translate; a fit the service cannot do is refused
// with the reason instead of being silently swapped for another.

/** sharp and IPX (Nuxt Image, unpic): `contain` letterboxes inside the image, as our `canvas` pads. */
const FROM_SHARP: Readonly<Record<string, Fit>> = { cover: 'crop', contain: 'canvas', inside: 'clip', outside: 'cover' };

/** CSS `object-fit` as Astro maps it onto sharp: `contain` leaves the letterbox to the browser. */
const FROM_CSS: Readonly<Record<string, Fit>> = { cover: 'crop', contain: 'clip', 'scale-down': 'clip', none: 'cover', inside: 'clip', outside: 'cover' };

function translate(table: Readonly<Record<string, Fit>>, fit: string | undefined, fallback: Fit): Fit {
  if (fit === undefined || fit === '') return fallback;
  const ours = table[fit];
  if (ours !== undefined) return ours;
  if (fit === 'fill') throw new InvalidRequestError('fit', "fit 'fill' stretches the image out of its aspect ratio, which the service never does; use 'cover' to fill the box by cutting the overflow");
  throw new InvalidRequestError('fit', `fit must be one of ${Object.keys(table).join(', ')}`);
}

/** The service's fit for a sharp/IPX `fit` word; `fallback` when none is given. */
export function fitFromSharp(fit: string | undefined, fallback: Fit): Fit {
  return translate(FROM_SHARP, fit, fallback);
}

/** The service's fit for a CSS `object-fit` word; `fallback` when none is given. */
export function fitFromCss(fit: string | undefined, fallback: Fit): Fit {
  return translate(FROM_CSS, fit, fallback);
}

const VERTICAL: Readonly<Record<string, string>> = { top: 'north', bottom: 'south' };
const HORIZONTAL: Readonly<Record<string, string>> = { left: 'west', right: 'east' };

/**
 * The gravity of a CSS `object-position` made of keywords (`top`, `bottom left`, `center`); `undefined`
 * for anything else (lengths, percentages), which then crops around the centre.
 */
export function gravityFromPosition(position: string | undefined): Gravity | undefined {
  if (position === undefined) return undefined;
  const words = position.trim().toLowerCase().split(/\s+/).filter((word) => word !== 'center');
  const vertical = words.map((word) => VERTICAL[word]).find((word) => word !== undefined) ?? '';
  const horizontal = words.map((word) => HORIZONTAL[word]).find((word) => word !== undefined) ?? '';
  const understood = words.every((word) => word in VERTICAL || word in HORIZONTAL);
  if (!understood) return undefined;
  return (`${vertical}${horizontal}` || 'center') as Gravity;
}

/** A number from a framework attribute that may arrive as a string (`"300"`); `undefined` when absent. */
export function numberFrom(value: number | string | undefined, part: 'width' | 'height' | 'quality'): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(number)) throw new InvalidRequestError(part, `${part} must be a number, not ${JSON.stringify(value)}`);
  return Math.round(number);
}

/** An image id from a framework `src`: `holiday-01` or `/holiday-01` (a path below the service's base URL). */
export function idFrom(src: string): string {
  return src.startsWith('/') ? src.slice(1) : src;
}
