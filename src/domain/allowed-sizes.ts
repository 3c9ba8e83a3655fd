import type { Limits } from './limits.js';
import type { Box } from './scaling.js';

/**
 * The box to redirect to when `box` (after DPR scaling) is not on `limits.allowedSizes` (SPEC §8):
 * the smallest allowed box that contains it, else the largest allowed box. `undefined` when the box
 * is allowed or no list is configured. A `0` side is unconstrained, so it contains any length of
 * that side but is contained only by another `0`; "smallest" and "largest" compare areas with a `0`
 * side counted at its limit, since that is how large such a rendition can get.
 */
export function allowedBoxFor(box: Box, limits: Limits): { readonly box: Box; readonly containsRequested: boolean } | undefined {
  const allowed = limits.allowedSizes ?? [];
  if (allowed.length === 0 || allowed.some((entry) => entry.width === box.width && entry.height === box.height)) return undefined;
  const area = (entry: Box): number => (entry.width || limits.maxWidth) * (entry.height || limits.maxHeight);
  const bySize = [...allowed].sort((a, b) => area(a) - area(b) || a.width - b.width || a.height - b.height);
  const containing = bySize.find((entry) => contains(entry, box));
  if (containing !== undefined) return { box: containing, containsRequested: true };
  return { box: bySize[bySize.length - 1] as Box, containsRequested: false };
}

function contains(outer: Box, inner: Box): boolean {
  const side = (o: number, i: number): boolean => o === 0 || (i !== 0 && i <= o);
  return side(outer.width, inner.width) && side(outer.height, inner.height);
}

/** `320x0`-style text of a box, as `ALLOWED_SIZES` lists them. */
export function formatBox(box: Box): string {
  return `${box.width}x${box.height}`;
}
