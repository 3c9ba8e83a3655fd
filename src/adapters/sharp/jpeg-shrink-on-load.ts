/**
 * The factor by which libjpeg scales a JPEG while decoding it (its DCT scaling: 1, 2, 4 or 8) when sharp resizes a
 * `width`×`height` JPEG to `targetWidth`×`targetHeight` with `fit: 'fill'` or `fit: 'cover'`, exactly as sharp
 * decides it (src/pipeline.cc, "shrink-on-load", `fastShrinkOnLoad: true`, the default): the smaller of the two
 * axis ratios, rounded down to 8, 4 or 2, and halved when its integer part equals the factor (sharp's guard
 * against libjpeg's rounding). A decode shared by several renders is only the same as each render's own decode
 * when it uses this same factor, so the shared-decode test compares outputs byte for byte to hold this to sharp's.
 */
export function jpegShrinkOnLoad(width: number, height: number, targetWidth: number, targetHeight: number): 1 | 2 | 4 | 8 {
  // For both fits sharp's ResolveShrink makes the shrink common to both axes the smaller ratio.
  const shrink = Math.min(width / targetWidth, height / targetHeight);
  let factor: 1 | 2 | 4 | 8 = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
  if (factor > 1 && Math.trunc(shrink) === factor) factor = (factor / 2) as 2 | 4;
  return factor;
}
