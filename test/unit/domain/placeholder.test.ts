import { expect } from 'chai';
import fc from 'fast-check';
import { dominantColour, PREVIEW_MAX_SIDE, previewSize, type Pixels } from '../../../src/domain/placeholder.js';

function image(width: number, height: number, pixel: (x: number, y: number) => readonly [number, number, number, number]): Pixels {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, rgba };
}

describe('placeholders (SPEC §9)', () => {
  describe('dominantColour', () => {
    it('is the colour most of the image is, not the mean', () => {
      const mostlyBlue = image(10, 10, (x) => (x < 7 ? [20, 40, 200, 255] : [250, 250, 10, 255]));
      expect(dominantColour(mostlyBlue)).to.equal('#1428c8');
    });

    it('ignores transparent pixels unless nearly everything is transparent', () => {
      const framed = image(10, 10, (x) => (x < 8 ? [0, 0, 0, 0] : [255, 0, 0, 255]));
      expect(dominantColour(framed)).to.equal('#ff0000');
      expect(dominantColour(image(2, 2, () => [10, 20, 30, 0]))).to.equal('#0a141e');
    });

    it('is a #rrggbb colour for any pixels (property)', () => {
      const pixels = fc.integer({ min: 1, max: 12 }).chain((width) =>
        fc.integer({ min: 1, max: 12 }).chain((height) =>
          fc.uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 }).map((rgba) => ({ width, height, rgba })),
        ),
      );
      fc.assert(fc.property(pixels, (p) => void expect(dominantColour(p)).to.match(/^#[0-9a-f]{6}$/)));
    });
  });

  describe('previewSize', () => {
    it('fits within the preview side, keeps the aspect ratio within a pixel and is never 0 (property)', () => {
      const size = fc.record({ width: fc.integer({ min: 1, max: 100_000 }), height: fc.integer({ min: 1, max: 100_000 }) });
      fc.assert(
        fc.property(size, (displayed) => {
          const preview = previewSize(displayed);
          expect(Math.max(preview.width, preview.height)).to.be.at.most(PREVIEW_MAX_SIDE);
          expect(Math.min(preview.width, preview.height)).to.be.at.least(1);
          if (Math.max(displayed.width, displayed.height) <= PREVIEW_MAX_SIDE) expect(preview).to.deep.equal(displayed);
          else expect(Math.abs(preview.width - (preview.height * displayed.width) / displayed.height)).to.be.at.most(1 + displayed.width / displayed.height);
        }),
      );
    });
  });
});
