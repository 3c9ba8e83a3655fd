import { expect } from 'chai';
import fc from 'fast-check';
import { rgbaToThumbHash, thumbHashToDataURL } from 'thumbhash';
import { imageInfoUrl, placeholderDataUrl } from '../../../src/domain/image-url.js';
import { fromBase64, toBase64 } from '../../../src/domain/thumbhash-decoder.js';

const image = fc.integer({ min: 1, max: 40 }).chain((width) =>
  fc.integer({ min: 1, max: 40 }).chain((height) =>
    fc.uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 }).map((rgba) => ({ width, height, rgba })),
  ),
);

describe('client helpers for image info (SPEC §9)', () => {
  it('placeholderDataUrl draws exactly the PNG the reference ThumbHash code draws (property)', () => {
    fc.assert(
      fc.property(image, ({ width, height, rgba }) => {
        const hash = rgbaToThumbHash(width, height, rgba);
        const url = placeholderDataUrl({ placeholder: { thumbhash: Buffer.from(hash).toString('base64') } });
        expect(url).to.equal(thumbHashToDataURL(hash));
      }),
      { numRuns: 60 },
    );
  });

  it('has no placeholder to draw for an info without one or with a broken hash', () => {
    expect(placeholderDataUrl({ placeholder: null })).to.equal(undefined);
    expect(placeholderDataUrl({ placeholder: { thumbhash: 'not base64!' } })).to.equal(undefined);
    expect(placeholderDataUrl({ placeholder: { thumbhash: 'AAA=' } })).to.equal(undefined);
  });

  it('base64 matches Node’s in both directions (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64');
        expect(toBase64(bytes)).to.equal(text);
        expect(Buffer.from(fromBase64(text)!)).to.deep.equal(Buffer.from(bytes));
      }),
    );
  });

  it('imageInfoUrl names /{id}.json under an optional base, and refuses an id the service would', () => {
    expect(imageInfoUrl('holiday-01')).to.equal('/holiday-01.json');
    expect(imageInfoUrl('a_b', { baseUrl: 'https://img.example.com/' })).to.equal('https://img.example.com/a_b.json');
    expect(() => imageInfoUrl('../x')).to.throw(/id must be/);
  });
});
