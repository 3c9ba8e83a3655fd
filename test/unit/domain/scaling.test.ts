import { expect } from 'chai';
import fc from 'fast-check';
import { DEFAULT_LIMITS, type Limits } from '../../../src/domain/limits.js';
import { clampBox, computeGeometry, exceedsLimits, FITS, scaleBox, type Box, type Fit, type Size } from '../../../src/domain/scaling.js';

type SizeLimits = Pick<Limits, 'maxWidth' | 'maxHeight'>;

const originalArb: fc.Arbitrary<Size> = fc.record({ width: fc.integer({ min: 1, max: 20_000 }), height: fc.integer({ min: 1, max: 20_000 }) });
const sideArb = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 6, arbitrary: fc.integer({ min: 0, max: 8000 }) });
const boxArb: fc.Arbitrary<Box> = fc.record({ width: sideArb, height: sideArb });
const limitsArb: fc.Arbitrary<SizeLimits> = fc.oneof(
  fc.constant(DEFAULT_LIMITS),
  fc.record({ maxWidth: fc.integer({ min: 1, max: 8000 }), maxHeight: fc.integer({ min: 1, max: 8000 }) }),
);
const fitArb: fc.Arbitrary<Fit> = fc.constantFrom(...FITS);
const caseArb = fc.record({ original: originalArb, box: boxArb, fit: fitArb, limits: limitsArb, allowUpscale: fc.boolean() });

/**
 * "Within one pixel" of a ratio W:H: some side of `size` determines the other to within 1 px, i.e.
 * |w·H/W − h| ≤ 1 or |h·W/H − w| ≤ 1, which is |w·H − h·W| ≤ max(W, H). Rounding each side of an
 * exactly scaled size by ≤ ½ px stays inside it, and so does bumping a side that rounded to 0 up to 1.
 */
function ratioWithinOnePixel(size: Size, of: Size): boolean {
  return Math.abs(size.width * of.height - size.height * of.width) <= Math.max(of.width, of.height);
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

describe('scaling', () => {
  describe('computeGeometry (properties)', () => {
    it('never exceeds the limits and never has a 0 side', () => {
      fc.assert(
        fc.property(caseArb, ({ original, box, fit, limits, allowUpscale }) => {
          const { content, output } = computeGeometry(original, box, fit, limits, allowUpscale);
          const why = show({ original, box, fit, limits, allowUpscale, content, output });
          for (const size of [content, output]) {
            expect(Number.isInteger(size.width) && Number.isInteger(size.height), why).to.equal(true);
            expect(size.width, why).to.be.at.least(1);
            expect(size.height, why).to.be.at.least(1);
          }
          expect(exceedsLimits(output, limits), why).to.equal(false);
          // crop resizes to cover the output before cutting, so only its content may be larger.
          if (fit !== 'crop') expect(exceedsLimits(content, limits), why).to.equal(false);
        }),
        { numRuns: 2500 },
      );
    });

    it('clip and cover keep the aspect ratio within one pixel; content equals output', () => {
      fc.assert(
        fc.property(caseArb, fc.constantFrom<Fit>('clip', 'cover'), ({ original, box, limits, allowUpscale }, fit) => {
          const { content, output } = computeGeometry(original, box, fit, limits, allowUpscale);
          const why = show({ original, box, fit, limits, allowUpscale, output });
          expect(content, why).to.deep.equal(output);
          expect(ratioWithinOnePixel(output, original), why).to.equal(true);
        }),
        { numRuns: 2500 },
      );
    });

    it('clip fits inside the box (a 0 side ignored) when the box is within the limits', () => {
      fc.assert(
        fc.property(caseArb, ({ original, box, limits, allowUpscale }) => {
          fc.pre(!exceedsLimits(box, limits));
          const { output } = computeGeometry(original, box, 'clip', limits, allowUpscale);
          const why = show({ original, box, limits, allowUpscale, output });
          if (box.width > 0) expect(output.width, why).to.be.at.most(box.width);
          if (box.height > 0) expect(output.height, why).to.be.at.most(box.height);
          // and one side touches the box unless upscaling (or a limit) stopped it
          if ((box.width > 0 || box.height > 0) && allowUpscale) {
            const touches = output.width === box.width || output.height === box.height;
            const factor = Math.min(box.width > 0 ? box.width / original.width : Infinity, box.height > 0 ? box.height / original.height : Infinity);
            const limited = factor > Math.min(limits.maxWidth / original.width, limits.maxHeight / original.height);
            expect(touches || limited, why).to.equal(true);
          }
        }),
        { numRuns: 2500 },
      );
    });

    it('clip and cover without upscaling never enlarge the original', () => {
      fc.assert(
        fc.property(caseArb, fc.constantFrom<Fit>('clip', 'cover', 'canvas'), ({ original, box, limits }, fit) => {
          const { content } = computeGeometry(original, box, fit, limits, false);
          const why = show({ original, box, fit, limits, content });
          expect(content.width, why).to.be.at.most(original.width);
          expect(content.height, why).to.be.at.most(original.height);
        }),
        { numRuns: 3000 },
      );
    });

    it('crop (with upscaling) and canvas (always) output exactly a box without 0 sides within the limits', () => {
      fc.assert(
        fc.property(caseArb, fc.constantFrom<Fit>('crop', 'canvas'), ({ original, box, limits, allowUpscale }, fit) => {
          fc.pre(box.width > 0 && box.height > 0 && !exceedsLimits(box, limits));
          fc.pre(fit === 'canvas' || allowUpscale);
          const { content, output } = computeGeometry(original, box, fit, limits, allowUpscale);
          const why = show({ original, box, fit, limits, allowUpscale, content, output });
          expect(output, why).to.deep.equal(box);
          if (fit === 'crop') {
            // the resized content covers the output, so the cut never leaves an empty edge
            expect(content.width, why).to.be.at.least(output.width);
            expect(content.height, why).to.be.at.least(output.height);
          } else {
            // canvas content is the clip of the original, padded out to the box
            expect(content.width, why).to.be.at.most(box.width);
            expect(content.height, why).to.be.at.most(box.height);
            expect(ratioWithinOnePixel(content, original), why).to.equal(true);
          }
        }),
        { numRuns: 2500 },
      );
    });

    it('crop without upscaling cuts a box of the requested ratio out of the unenlarged original', () => {
      fc.assert(
        fc.property(caseArb, ({ original, box, limits }) => {
          fc.pre(box.width > 0 && box.height > 0 && !exceedsLimits(box, limits));
          const { content, output } = computeGeometry(original, box, 'crop', limits, false);
          const why = show({ original, box, limits, content, output });
          expect(output.width, why).to.be.at.most(Math.min(box.width, original.width));
          expect(output.height, why).to.be.at.most(Math.min(box.height, original.height));
          expect(ratioWithinOnePixel(output, box), why).to.equal(true);
          expect(content.width, why).to.be.at.least(output.width);
          expect(content.height, why).to.be.at.least(output.height);
          if (box.width <= original.width && box.height <= original.height) expect(output, why).to.deep.equal(box);
        }),
        { numRuns: 2500 },
      );
    });

    it('cover covers the box unless a limit or the upscaling switch forbids it', () => {
      fc.assert(
        fc.property(caseArb, ({ original, box, limits, allowUpscale }) => {
          fc.pre(box.width > 0 && box.height > 0 && !exceedsLimits(box, limits));
          const { output } = computeGeometry(original, box, 'cover', limits, allowUpscale);
          const why = show({ original, box, limits, allowUpscale, output });
          const factor = Math.max(box.width / original.width, box.height / original.height);
          const forbidden = factor > Math.min(limits.maxWidth / original.width, limits.maxHeight / original.height) || (!allowUpscale && factor > 1);
          if (!forbidden) {
            expect(output.width, why).to.be.at.least(box.width);
            expect(output.height, why).to.be.at.least(box.height);
            // and no larger than needed: one side matches the box
            expect(output.width === box.width || output.height === box.height, why).to.equal(true);
          }
        }),
        { numRuns: 2500 },
      );
    });

    it('a box with a 0 side behaves as clip whatever the fit', () => {
      fc.assert(
        fc.property(caseArb, ({ original, box, fit, limits, allowUpscale }) => {
          fc.pre(box.width === 0 || box.height === 0);
          expect(computeGeometry(original, box, fit, limits, allowUpscale)).to.deep.equal(computeGeometry(original, box, 'clip', limits, allowUpscale));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('clampBox (properties)', () => {
    const wideBoxArb: fc.Arbitrary<Box> = fc.record({
      width: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000 })),
      height: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100_000 })),
    });

    it('is inside the limits, idempotent, keeps 0 sides 0 and others ≥ 1, and keeps the ratio within 1 px', () => {
      fc.assert(
        fc.property(wideBoxArb, limitsArb, (box, limits) => {
          const clamped = clampBox(box, limits);
          const why = show({ box, limits, clamped });
          expect(exceedsLimits(clamped, limits), why).to.equal(false);
          expect(clampBox(clamped, limits), why).to.deep.equal(clamped);
          expect(clamped.width === 0, why).to.equal(box.width === 0);
          expect(clamped.height === 0, why).to.equal(box.height === 0);
          if (box.width > 0 && box.height > 0) expect(ratioWithinOnePixel(clamped, box), why).to.equal(true);
          if (exceedsLimits(box, limits)) {
            // the largest such box: the binding side sits exactly on its limit
            expect(clamped.width === limits.maxWidth || clamped.height === limits.maxHeight, why).to.equal(true);
          }
        }),
        { numRuns: 2500 },
      );
    });

    it('leaves boxes within the limits unchanged', () => {
      fc.assert(
        fc.property(limitsArb.chain((limits) => fc.tuple(fc.constant(limits), fc.record({ width: fc.nat(limits.maxWidth), height: fc.nat(limits.maxHeight) }))), ([limits, box]) => {
          expect(clampBox(box, limits)).to.deep.equal(box);
        }),
      );
    });
  });

  describe('scaleBox (property)', () => {
    it('is round(w·s) × round(h·s) computed exactly, for every two-decimal scale', () => {
      fc.assert(
        fc.property(fc.nat(10_000), fc.nat(10_000), fc.integer({ min: 100, max: 800 }), (width, height, hundredths) => {
          const scale = hundredths / 100;
          // Exact half-up rounding of w·k/100 in integers: floor((2·w·k + 100) / 200).
          const exact = (side: number): number => Math.floor((2 * side * hundredths + 100) / 200);
          expect(scaleBox({ width, height }, scale), show({ width, height, scale })).to.deep.equal({ width: exact(width), height: exact(height) });
        }),
        { numRuns: 2500 },
      );
    });
  });

  describe('hand-computed examples', () => {
    const limits = DEFAULT_LIMITS;
    const cases: readonly (readonly [string, Size, Box, Fit, boolean, Size, Size])[] = [
      // label, original, box, fit, allowUpscale, content, output
      ['clip landscape into a square', { width: 4000, height: 3000 }, { width: 400, height: 400 }, 'clip', true, { width: 400, height: 300 }, { width: 400, height: 300 }],
      ['clip portrait into a square', { width: 3000, height: 4000 }, { width: 400, height: 400 }, 'clip', true, { width: 300, height: 400 }, { width: 300, height: 400 }],
      ['clip with width 0', { width: 4000, height: 3000 }, { width: 0, height: 150 }, 'clip', true, { width: 200, height: 150 }, { width: 200, height: 150 }],
      ['clip 1000x333 into 100 wide rounds 33.3 down', { width: 1000, height: 333 }, { width: 100, height: 0 }, 'clip', true, { width: 100, height: 33 }, { width: 100, height: 33 }],
      ['clip upscales a small original', { width: 100, height: 50 }, { width: 400, height: 400 }, 'clip', true, { width: 400, height: 200 }, { width: 400, height: 200 }],
      ['clip without upscaling keeps a small original', { width: 100, height: 50 }, { width: 400, height: 400 }, 'clip', false, { width: 100, height: 50 }, { width: 100, height: 50 }],
      ['0x0 is the original size', { width: 4000, height: 3000 }, { width: 0, height: 0 }, 'clip', true, { width: 4000, height: 3000 }, { width: 4000, height: 3000 }],
      ['0x0 of a huge original is bounded by the limits', { width: 6000, height: 4000 }, { width: 0, height: 0 }, 'clip', true, { width: 4096, height: 2731 }, { width: 4096, height: 2731 }],
      ['a sliver never gets a 0 side', { width: 20000, height: 1 }, { width: 0, height: 0 }, 'clip', true, { width: 4096, height: 1 }, { width: 4096, height: 1 }],
      ['crop a landscape to a square', { width: 4000, height: 3000 }, { width: 400, height: 400 }, 'crop', true, { width: 533, height: 400 }, { width: 400, height: 400 }],
      ['crop upscales to fill', { width: 100, height: 50 }, { width: 400, height: 400 }, 'crop', true, { width: 800, height: 400 }, { width: 400, height: 400 }],
      ['crop without upscaling shrinks the box to fit', { width: 100, height: 50 }, { width: 400, height: 400 }, 'crop', false, { width: 100, height: 50 }, { width: 50, height: 50 }],
      ['crop with a 0 side is clip', { width: 4000, height: 3000 }, { width: 400, height: 0 }, 'crop', true, { width: 400, height: 300 }, { width: 400, height: 300 }],
      ['canvas pads a clip to the box', { width: 4000, height: 3000 }, { width: 400, height: 400 }, 'canvas', true, { width: 400, height: 300 }, { width: 400, height: 400 }],
      ['canvas without upscaling pads the unenlarged original', { width: 100, height: 50 }, { width: 400, height: 400 }, 'canvas', false, { width: 100, height: 50 }, { width: 400, height: 400 }],
      ['cover a square box with a landscape', { width: 4000, height: 3000 }, { width: 400, height: 400 }, 'cover', true, { width: 533, height: 400 }, { width: 533, height: 400 }],
      ['cover a wide box with a portrait', { width: 3000, height: 4000 }, { width: 600, height: 200 }, 'cover', true, { width: 600, height: 800 }, { width: 600, height: 800 }],
      ['cover stops at the limits', { width: 100, height: 10 }, { width: 4096, height: 4096 }, 'cover', true, { width: 4096, height: 410 }, { width: 4096, height: 410 }],
      ['cover without upscaling keeps a small original', { width: 100, height: 50 }, { width: 400, height: 400 }, 'cover', false, { width: 100, height: 50 }, { width: 100, height: 50 }],
      ['an oversized box is clamped first', { width: 1000, height: 1000 }, { width: 8192, height: 4096 }, 'crop', true, { width: 4096, height: 4096 }, { width: 4096, height: 2048 }],
    ];
    for (const [label, original, box, fit, allowUpscale, content, output] of cases) {
      it(`${label}: ${original.width}x${original.height} → ${box.width}x${box.height} ${fit}${allowUpscale ? '' : ' (no upscale)'}`, () => {
        expect(computeGeometry(original, box, fit, limits, allowUpscale)).to.deep.equal({ content, output });
      });
    }

    it('clampBox examples', () => {
      expect(clampBox({ width: 5000, height: 2500 }, limits)).to.deep.equal({ width: 4096, height: 2048 });
      expect(clampBox({ width: 6000, height: 2000 }, limits)).to.deep.equal({ width: 4096, height: 1365 });
      expect(clampBox({ width: 2000, height: 6000 }, limits)).to.deep.equal({ width: 1365, height: 4096 });
      expect(clampBox({ width: 0, height: 9000 }, limits)).to.deep.equal({ width: 0, height: 4096 });
      expect(clampBox({ width: 100_000, height: 1 }, limits)).to.deep.equal({ width: 4096, height: 1 });
      expect(clampBox({ width: 4096, height: 4096 }, limits)).to.deep.equal({ width: 4096, height: 4096 });
      expect(clampBox({ width: 5000, height: 5000 }, { maxWidth: 1000, maxHeight: 500 })).to.deep.equal({ width: 500, height: 500 });
    });

    it('scaleBox examples', () => {
      expect(scaleBox({ width: 400, height: 300 }, 1.5)).to.deep.equal({ width: 600, height: 450 });
      expect(scaleBox({ width: 10, height: 3 }, 1.15)).to.deep.equal({ width: 12, height: 3 });
      // 25 · 1.14 = 28.5 exactly, but 28.499999999999996 in binary floating point
      expect(scaleBox({ width: 25, height: 25 }, 1.14)).to.deep.equal({ width: 29, height: 29 });
      expect(scaleBox({ width: 0, height: 333 }, 2)).to.deep.equal({ width: 0, height: 666 });
    });
  });
});
