import { expect } from 'chai';
import fc from 'fast-check';
import { RenditionTooCostlyError } from '../../../src/domain/domain-error.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../../src/domain/image-format.js';
import { WHITE } from '../../../src/domain/image-request.js';
import { DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import type { ImageInfo } from '../../../src/domain/original.js';
import {
  BUDGET_SHARE,
  checkRenderCost,
  DEFAULT_AVIF_EFFORT,
  DEFAULT_WEBP_EFFORT,
  estimateDecodeMs,
  estimateRenderMs,
  pixelBudget,
  type RenderBudget,
} from '../../../src/domain/render-cost.js';
import type { RenditionSpec } from '../../../src/domain/rendition.js';

const DEFAULT_BUDGET: RenderBudget = { timeoutMs: 15_000, avifEffort: DEFAULT_AVIF_EFFORT, webpEffort: DEFAULT_WEBP_EFFORT };

function specOf(format: OutputFormat, width: number, height: number): RenditionSpec {
  const size = { width, height };
  return { box: size, fit: 'clip', gravity: 'center', focus: undefined, format, quality: undefined, blur: undefined, bg: WHITE, allowUpscale: true, geometry: { content: size, output: size } };
}

function original(format: ImageInfo['format'], pages: number): ImageInfo {
  return { format, width: 100, height: 100, pages, hasAlpha: false };
}

function refused(spec: RenditionSpec, info: ImageInfo, budget: RenderBudget): boolean {
  try {
    checkRenderCost(spec, info, budget);
    return false;
  } catch (error) {
    expect(error).to.be.instanceOf(RenditionTooCostlyError);
    return true;
  }
}

const formatArb = fc.constantFrom(...OUTPUT_FORMATS);
const sideArb = fc.integer({ min: 1, max: 8192 });
const budgetArb: fc.Arbitrary<RenderBudget> = fc.record({
  timeoutMs: fc.integer({ min: 100, max: 120_000 }),
  avifEffort: fc.integer({ min: 0, max: 9 }),
  webpEffort: fc.integer({ min: 0, max: 6 }),
});

describe('render cost model', () => {
  it('grows with output pixels, frames and AVIF and WebP effort', () => {
    fc.assert(
      fc.property(
        formatArb,
        fc.integer({ min: 1, max: 1e8 }),
        fc.integer({ min: 1, max: 1e8 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 5 }),
        (format, a, b, frames, avifEffort, webpEffort) => {
          const [small, large] = a <= b ? [a, b] : [b, a];
          const efforts = { avifEffort, webpEffort };
          expect(estimateRenderMs({ format, pixels: small, frames }, efforts)).to.be.at.most(estimateRenderMs({ format, pixels: large, frames }, efforts));
          expect(estimateRenderMs({ format, pixels: small, frames }, efforts)).to.be.at.most(estimateRenderMs({ format, pixels: small, frames: frames + 1 }, efforts));
          expect(estimateRenderMs({ format: 'avif', pixels: small, frames: 1 }, efforts)).to.be.below(
            estimateRenderMs({ format: 'avif', pixels: small, frames: 1 }, { ...efforts, avifEffort: avifEffort + 1 }),
          );
          expect(estimateRenderMs({ format: 'webp', pixels: small, frames: 1 }, efforts)).to.be.at.most(
            estimateRenderMs({ format: 'webp', pixels: small, frames: 1 }, { ...efforts, webpEffort: webpEffort + 1 }),
          );
          // Each encoder's effort moves its own format's estimate only.
          const estimate = estimateRenderMs({ format, pixels: small, frames }, efforts);
          if (format !== 'avif') expect(estimateRenderMs({ format, pixels: small, frames }, { ...efforts, avifEffort: 9 - avifEffort })).to.equal(estimate);
          if (format !== 'webp') expect(estimateRenderMs({ format, pixels: small, frames }, { ...efforts, webpEffort: 6 - webpEffort })).to.equal(estimate);
        },
      ),
    );
  });

  it('WebP effort prices a render from about 0.6 × the default effort 4 at effort 0 to about 2.3 × at 6', () => {
    const webp = (webpEffort: number): number => estimateRenderMs({ format: 'webp', pixels: 1e6, frames: 1 }, { avifEffort: DEFAULT_AVIF_EFFORT, webpEffort });
    expect(webp(0) / webp(DEFAULT_WEBP_EFFORT)).to.be.within(0.4, 0.8);
    expect(webp(6) / webp(DEFAULT_WEBP_EFFORT)).to.be.within(1.5, 2.5);
    // Efforts outside the table are clamped to its ends.
    expect(webp(9)).to.equal(webp(6));
    expect(webp(-1)).to.equal(webp(0));
  });

  it('refuses exactly the renders whose estimate exceeds the budget share of the time limit', () => {
    fc.assert(
      fc.property(formatArb, sideArb, sideArb, fc.constantFrom<ImageInfo['format']>('gif', 'jpeg'), fc.integer({ min: 1, max: 3000 }), budgetArb, (format, width, height, input, pages, budget) => {
        const info = original(input, pages);
        const frames = input === 'gif' && (format === 'gif' || format === 'webp') ? pages : 1;
        const over = estimateRenderMs({ format, pixels: width * height, frames }, budget) > budget.timeoutMs * BUDGET_SHARE;
        expect(refused(specOf(format, width, height), info, budget)).to.equal(over);
      }),
    );
  });

  it('the pixel budget is what the check admits: at it a render passes, clearly above it a render is refused', () => {
    fc.assert(
      fc.property(formatArb, budgetArb, (format, budget) => {
        const pixels = pixelBudget(format, 1, budget);
        const side = Math.floor(Math.sqrt(pixels));
        if (side >= 1) expect(refused(specOf(format, side, side), original('jpeg', 1), budget)).to.equal(false);
        const over = Math.ceil(Math.sqrt(pixels * 1.01 + 4));
        expect(refused(specOf(format, over, over), original('jpeg', 1), budget)).to.equal(true);
      }),
    );
  });

  it('at the defaults, every still up to the largest box renders in JPEG, PNG, WebP, TIFF and AVIF (the AVIF effort default)', () => {
    const { maxWidth, maxHeight } = DEFAULT_LIMITS;
    for (const format of ['jpeg', 'png', 'webp', 'tiff', 'avif'] as const) {
      expect(refused(specOf(format, maxWidth, maxHeight), original('jpeg', 1), DEFAULT_BUDGET), format).to.equal(false);
    }
  });

  it('at the default time limit, a 4096x4096 AVIF at effort 4 (≈50 s of CPU) is refused before it starts, and names what fits', () => {
    expect(() => checkRenderCost(specOf('avif', 4096, 4096), original('jpeg', 1), { ...DEFAULT_BUDGET, avifEffort: 4 })).to.throw(RenditionTooCostlyError, /at most \d+ pixels fit/);
    // The reported case: 1601x1601 AVIF with a 1 s limit ran on for seconds at the old effort 4; at the new default it fits.
    expect(refused(specOf('avif', 1601, 1601), original('jpeg', 1), { ...DEFAULT_BUDGET, timeoutMs: 1000, avifEffort: 4 })).to.equal(true);
    expect(refused(specOf('avif', 1601, 1601), original('jpeg', 1), { ...DEFAULT_BUDGET, timeoutMs: 1000 })).to.equal(false);
  });

  it('counts every frame of an animated output: 1000 frames of 64x32 WebP pass, 40 000 or 1000 at 1024x1024 do not; a still of the same GIF does', () => {
    expect(refused(specOf('webp', 64, 32), original('gif', 1000), DEFAULT_BUDGET)).to.equal(false);
    expect(refused(specOf('webp', 64, 32), original('gif', 40_000), DEFAULT_BUDGET)).to.equal(true);
    expect(refused(specOf('webp', 1024, 1024), original('gif', 1000), DEFAULT_BUDGET)).to.equal(true);
    expect(refused(specOf('jpeg', 1024, 1024), original('gif', 1000), DEFAULT_BUDGET)).to.equal(false);
  });

  it('estimates a decode proof from the decoded pixels and the input format: every frame of a GIF or WebP counts, page 0 of the rest', () => {
    const still = { width: 8160, height: 6120, pages: 1 } as const;
    expect(estimateDecodeMs({ ...still, format: 'jpeg' })).to.be.below(estimateDecodeMs({ ...still, format: 'png' }));
    expect(estimateDecodeMs({ ...still, format: 'webp' })).to.be.below(estimateDecodeMs({ ...still, format: 'avif' }));
    expect(estimateDecodeMs({ ...still, format: 'jpeg' })).to.equal(2 * estimateDecodeMs({ width: 4080, height: 6120, pages: 1, format: 'jpeg' }));
    const frame = { width: 100, height: 100, format: 'gif' } as const;
    expect(estimateDecodeMs({ ...frame, pages: 40 })).to.equal(40 * estimateDecodeMs({ ...frame, pages: 1 }));
    expect(estimateDecodeMs({ width: 100, height: 100, format: 'tiff', pages: 40 })).to.equal(estimateDecodeMs({ width: 100, height: 100, format: 'tiff', pages: 1 }));
  });
});
