import fc from 'fast-check';
import { OUTPUT_FORMATS } from '../../../src/domain/image-format.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { GRAVITIES, ImageRequest, type Blur, type Rgba } from '../../../src/domain/image-request.js';
import { DEFAULT_LIMITS, type Limits } from '../../../src/domain/limits.js';
import { contentVersionOf, type ContentVersion } from '../../../src/domain/original.js';
import { exceedsLimits, FITS } from '../../../src/domain/scaling.js';

/** Shared fast-check arbitraries for the domain properties (not a test file itself). */

const idChar = fc.constantFrom(...'ABCXYZabcxyz0123456789_-');

/**
 * Ids of `[A-Za-z0-9_-]{1,128}`, biased towards the ones that are hard to parse from the right:
 * ids that look like a sized name (`x_1_2`, `x_1_2_3x`), end in `_3x`, or are all digits/underscores.
 */
export const imageIdArb: fc.Arbitrary<ImageId> = fc
  .oneof(
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,128}$/) },
    { weight: 2, arbitrary: fc.string({ unit: idChar, minLength: 1, maxLength: 24 }) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), fc.nat(9999), fc.nat(9999), fc.option(fc.integer({ min: 1, max: 9 })))
        .map(([base, w, h, s]) => `${base}_${w}_${h}${s === null ? '' : `_${s}x`}`),
    },
    { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/), fc.integer({ min: 1, max: 9 })).map(([b, s]) => `${b}_${s}x`) },
    { weight: 1, arbitrary: fc.constantFrom('_', '-', '__', '_1', '1_2', '_1_2', 'a_0_0', 'a_1_2_', 'x_01_002', '0', 'a'.repeat(128)) },
  )
  .filter((id) => id.length <= 128) as fc.Arbitrary<ImageId>;

/** Limits like a deployment could configure them; integer maxScale so `_{s}x` stays meaningful. */
export const limitsArb: fc.Arbitrary<Limits> = fc.oneof(
  fc.constant(DEFAULT_LIMITS),
  fc.record({
    maxWidth: fc.integer({ min: 1, max: 10_000 }),
    maxHeight: fc.integer({ min: 1, max: 10_000 }),
    maxScale: fc.integer({ min: 1, max: 8 }),
    maxInputPixels: fc.constant(DEFAULT_LIMITS.maxInputPixels),
    maxFrames: fc.constant(DEFAULT_LIMITS.maxFrames),
  }),
);

/** A scale with at most two decimals in 1…maxScale, as the number the parser would produce. */
export function scaleArb(maxScale: number): fc.Arbitrary<number> {
  return fc.oneof(fc.integer({ min: 1, max: maxScale }), fc.integer({ min: 100, max: maxScale * 100 }).map((n) => n / 100));
}

export const rgbaArb: fc.Arbitrary<Rgba> = fc.record({
  r: fc.integer({ min: 0, max: 255 }),
  g: fc.integer({ min: 0, max: 255 }),
  b: fc.integer({ min: 0, max: 255 }),
  alpha: fc.oneof(fc.constant(255), fc.integer({ min: 0, max: 255 })),
});

/** Colours whose components are all doubled nibbles, so `rgb` shorthand can spell them. */
export const shortRgbArb: fc.Arbitrary<Rgba> = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }))
  .map(([r, g, b]) => ({ r: r * 17, g: g * 17, b: b * 17, alpha: 255 }));

export const blurArb: fc.Arbitrary<Blur | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant('default' as const),
  fc.integer({ min: 30, max: 10_000 }).map((n) => n / 100),
);

/**
 * Every valid request the domain can build for `limits`; `overshoot` > 1 lets the sides go beyond
 * the limits (still valid requests: parse answers them with a clamped redirect).
 */
export function imageRequestArb(limits: Limits, overshoot = 1): fc.Arbitrary<ImageRequest> {
  return fc
    .record({
      id: imageIdArb,
      width: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: Math.round(limits.maxWidth * overshoot) })),
      height: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: Math.round(limits.maxHeight * overshoot) })),
      scale: scaleArb(limits.maxScale),
      format: fc.constantFrom(...OUTPUT_FORMATS),
      fit: fc.constantFrom(...FITS),
      gravity: fc.constantFrom(...GRAVITIES),
      quality: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
      blur: blurArb,
      bg: fc.oneof(rgbaArb, shortRgbArb),
      autoFormat: fc.boolean(),
      proxy: fc.boolean(),
    })
    .map((fields) => ImageRequest.create(fields, limits));
}

export const limitsAndRequestArb: fc.Arbitrary<{ limits: Limits; request: ImageRequest }> = limitsArb.chain((limits) =>
  imageRequestArb(limits).map((request) => ({ limits, request })),
);

export const limitsAndOversizedRequestArb: fc.Arbitrary<{ limits: Limits; request: ImageRequest }> = limitsArb.chain((limits) =>
  imageRequestArb(limits, 3)
    .filter((request) => exceedsLimits(request.box(), limits))
    .map((request) => ({ limits, request })),
);

/** A real content version: the SHA-256 of some bytes. */
export const contentVersionArb: fc.Arbitrary<ContentVersion> = fc.uint8Array({ minLength: 0, maxLength: 64 }).map((bytes) => contentVersionOf(bytes));

/** Splits a canonical URL into the raw path and query `ImageRequest.parse` takes. */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}
