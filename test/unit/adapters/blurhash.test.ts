import { expect } from 'chai';
import { encode as referenceBlurhash } from 'blurhash';
import fc from 'fast-check';
import { blurhashOf } from '../../../src/adapters/placeholder/blurhash.js';

/** Smooth pixels with some noise: what a photo's preview looks like, so that every AC component carries something. */
function photoLike(width: number, height: number, seed: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      rgba[at] = 128 + 100 * Math.sin((x + seed) / 9);
      rgba[at + 1] = 128 + 100 * Math.cos((y * seed) / 17);
      rgba[at + 2] = ((x * 31 + y * 17 + seed * 13) % 256) ^ (x & y);
      rgba[at + 3] = 255;
    }
  }
  return rgba;
}

describe('blurhashOf: the BlurHash encoder placeholders use', () => {
  it('gives the reference encoder’s hash for preview-sized photos, landscape and portrait', () => {
    for (const [width, height, seed] of [
      [100, 75, 1],
      [75, 100, 2],
      [100, 100, 3],
      [100, 1, 4],
      [1, 100, 5],
    ] as const) {
      const rgba = photoLike(width, height, seed);
      for (const [cx, cy] of [
        [4, 3],
        [3, 4],
        [1, 1],
      ] as const) {
        expect(blurhashOf(rgba, width, height, cx, cy), `${width}×${height} with ${cx}×${cy}`).to.equal(referenceBlurhash(rgba, width, height, cx, cy));
      }
    }
  });

  it('gives the reference encoder’s hash for any pixels and component counts (property)', () => {
    const input = fc.record({ width: fc.integer({ min: 1, max: 24 }), height: fc.integer({ min: 1, max: 24 }), cx: fc.integer({ min: 1, max: 9 }), cy: fc.integer({ min: 1, max: 9 }) }).chain((size) =>
      fc.uint8ClampedArray({ minLength: size.width * size.height * 4, maxLength: size.width * size.height * 4 }).map((rgba) => ({ ...size, rgba })),
    );
    fc.assert(
      fc.property(input, ({ width, height, cx, cy, rgba }) => {
        expect(blurhashOf(rgba, width, height, cx, cy)).to.equal(referenceBlurhash(rgba, width, height, cx, cy));
      }),
    );
  });
});
