import { expect } from 'chai';
import fc from 'fast-check';
import { ImageTooLargeError } from '../../../src/domain/domain-error.js';
import { INPUT_FORMATS, supportsAnimation } from '../../../src/domain/image-format.js';
import { checkOriginalSize, decodedFrames, decodedPixels, DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import type { ImageInfo } from '../../../src/domain/original.js';

const infoArb: fc.Arbitrary<ImageInfo> = fc.record({
  format: fc.constantFrom(...INPUT_FORMATS),
  width: fc.integer({ min: 1, max: 100_000 }),
  height: fc.integer({ min: 1, max: 100_000 }),
  pages: fc.integer({ min: 1, max: 50_000 }),
  hasAlpha: fc.boolean(),
});
const originalLimitsArb = fc.record({ maxInputPixels: fc.integer({ min: 1, max: 100_000_000 }), maxFrames: fc.integer({ min: 1, max: 5000 }) });

function refuses(check: () => void): boolean {
  try {
    check();
    return false;
  } catch (error) {
    expect(error).to.be.instanceOf(ImageTooLargeError);
    return true;
  }
}

describe('limits: checkOriginalSize (the header against the limits, before any decode)', () => {
  it('refuses exactly the originals over the frame limit or the pixel limit across decoded frames', () => {
    fc.assert(
      fc.property(infoArb, originalLimitsArb, (info, limits) => {
        const frames = supportsAnimation(info.format) ? info.pages : 1;
        const over = frames > limits.maxFrames || info.width * info.height * frames > limits.maxInputPixels;
        expect(refuses(() => checkOriginalSize(info, limits))).to.equal(over);
      }),
    );
  });

  it('counts every frame of a GIF or WebP, and only the first page of anything else', () => {
    const base = { width: 10, height: 10, pages: 7, hasAlpha: false } as const;
    expect(INPUT_FORMATS.map((format) => decodedFrames({ ...base, format }))).to.deep.equal(INPUT_FORMATS.map((format) => (format === 'gif' || format === 'webp' ? 7 : 1)));
    expect(decodedPixels({ ...base, format: 'gif' })).to.equal(700);
    expect(decodedPixels({ ...base, format: 'tiff' })).to.equal(100);
  });

  it('at the defaults: 40 000 one-pixel frames are refused, 1000 are not; 50 MP is accepted, one pixel more is not', () => {
    const gif = (pages: number, width = 1, height = 1): ImageInfo => ({ format: 'gif', width, height, pages, hasAlpha: false });
    expect(refuses(() => checkOriginalSize(gif(40_000), DEFAULT_LIMITS))).to.equal(true);
    expect(refuses(() => checkOriginalSize(gif(1000), DEFAULT_LIMITS))).to.equal(false);
    const jpeg = (width: number, height: number): ImageInfo => ({ format: 'jpeg', width, height, pages: 1, hasAlpha: false });
    expect(refuses(() => checkOriginalSize(jpeg(10_000, 5000), DEFAULT_LIMITS))).to.equal(false);
    expect(refuses(() => checkOriginalSize(jpeg(50_000_001, 1), DEFAULT_LIMITS))).to.equal(true);
    // A multi-page TIFF renders page 0 only, so its pages are no frames.
    expect(refuses(() => checkOriginalSize({ ...jpeg(100, 100), format: 'tiff', pages: 5000 }, DEFAULT_LIMITS))).to.equal(false);
  });
});
