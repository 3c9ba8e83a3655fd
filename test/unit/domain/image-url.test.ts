import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidRequestError } from '../../../src/domain/domain-error.js';
import { OUTPUT_FORMATS } from '../../../src/domain/image-format.js';
import { formatColour, GRAVITIES, ImageRequest, type ImageRequestParse } from '../../../src/domain/image-request.js';
import { imageRequestOf, imageUrl, sizes, srcSet, type ImageUrlOptions } from '../../../src/domain/image-url.js';
import { DEFAULT_LIMITS, type Limits } from '../../../src/domain/limits.js';
import { exceedsLimits, FITS } from '../../../src/domain/scaling.js';
import { blurArb, imageIdArb, limitsArb, rgbaArb, scaleArb, splitUrl } from './domain-arbitraries.js';

const BASES = ['', 'https://img.example.com', 'https://img.example.com/', '/images', 'http://127.0.0.1:1337/a/b'] as const;

/** Client options as an application would write them, within `limits` (sides may overshoot them). */
function optionsArb(limits: Limits, overshoot = 1): fc.Arbitrary<ImageUrlOptions> {
  return fc.record(
    {
      width: fc.integer({ min: 0, max: Math.round(limits.maxWidth * overshoot) }),
      height: fc.integer({ min: 0, max: Math.round(limits.maxHeight * overshoot) }),
      scale: scaleArb(limits.maxScale),
      format: fc.constantFrom(...OUTPUT_FORMATS, 'jpg' as const),
      fit: fc.constantFrom(...FITS),
      gravity: fc.constantFrom(...GRAVITIES),
      quality: fc.integer({ min: 1, max: 100 }),
      blur: blurArb.map((blur) => (blur === 'default' ? true : blur ?? false)),
      bg: fc.oneof(rgbaArb, rgbaArb.map((c) => `#${formatColour(c)}`), rgbaArb.map(formatColour)),
      auto: fc.constantFrom('format' as const, true, false),
      proxy: fc.boolean(),
    },
    { requiredKeys: [] },
  );
}

/** Strips the base the builder was given and parses the rest as the service does. */
function parseBuilt(url: string, base: string, limits: Limits): ImageRequestParse {
  const prefix = base.endsWith('/') ? base.slice(0, -1) : base;
  expect(url.startsWith(`${prefix}/`), `${url} starts with ${prefix}/`).to.equal(true);
  const { path, query } = splitUrl(url.slice(prefix.length));
  return ImageRequest.parse(path, query, limits);
}

function candidates(srcset: string): Array<{ url: string; descriptor: string }> {
  if (srcset === '') return [];
  return srcset.split(', ').map((candidate) => {
    const [url = '', descriptor = '', ...extra] = candidate.split(' ');
    expect(extra, `one descriptor in ${candidate}`).to.deep.equal([]);
    return { url, descriptor };
  });
}

describe('client URL builder (imageUrl, srcSet, sizes)', () => {
  describe('properties against the parser', () => {
    it('every built URL parses back to the same request', () => {
      const arb = limitsArb.chain((limits) =>
        fc.record({ limits: fc.constant(limits), id: imageIdArb, options: optionsArb(limits, 2), base: fc.constantFrom(...BASES) }),
      );
      fc.assert(
        fc.property(arb, ({ limits, id, options, base }) => {
          const url = imageUrl(id, options, { baseUrl: base, limits });
          const built = imageRequestOf(id, options, limits);
          const parsed = parseBuilt(url, base, limits);
          if (parsed.kind === 'invalid') expect.fail(`${url} was rejected: ${parsed.error.part}: ${parsed.error.message}`);
          expect(parsed.request.toFields()).to.deep.equal(built.toFields());
          // Within the limits the service answers it as asked; beyond them it redirects.
          expect(parsed.kind).to.equal(exceedsLimits(built.box(), limits) ? 'redirect' : 'valid');
        }),
        { numRuns: 500 },
      );
    });

    it('keeps every option the caller set that changes the rendition', () => {
      fc.assert(
        fc.property(imageIdArb, fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }), (id, width, height) => {
          const request = imageRequestOf(id, { width, height, format: 'webp', fit: 'crop', gravity: 'north', quality: 70, blur: 2.5, bg: '000' });
          expect(request).to.deep.include({ id, width, height, format: 'webp', fit: 'crop', gravity: 'north', quality: 70, blur: 2.5 });
          expect(request.bg).to.deep.equal({ r: 0, g: 0, b: 0, alpha: 255 });
        }),
      );
    });

    it('width ladders: one candidate per width within the limits, each parsing to that width at scale 1', () => {
      const arb = limitsArb.chain((limits) =>
        fc.record({
          limits: fc.constant(limits),
          id: imageIdArb,
          widths: fc.array(fc.integer({ min: 1, max: limits.maxWidth * 2 }), { minLength: 1, maxLength: 8 }),
          aspectRatio: fc.option(fc.double({ min: 0.1, max: 10, noNaN: true }), { nil: undefined }),
          base: fc.constantFrom(...BASES),
        }),
      );
      fc.assert(
        fc.property(arb, ({ limits, id, widths, aspectRatio, base }) => {
          const found = candidates(srcSet(id, { widths, aspectRatio, format: 'webp' }, { baseUrl: base, limits }));
          const expected = [...new Set(widths)]
            .sort((a, b) => a - b)
            .filter((w) => w <= limits.maxWidth && (aspectRatio === undefined || Math.max(1, Math.round(w / aspectRatio)) <= limits.maxHeight));
          expect(found.map((c) => c.descriptor)).to.deep.equal(expected.map((w) => `${w}w`));
          for (const { url, descriptor } of found) {
            const parsed = parseBuilt(url, base, limits);
            if (parsed.kind !== 'valid') expect.fail(`${url} is not answered as asked (${parsed.kind})`);
            expect(parsed.request.box().width).to.equal(Number(descriptor.slice(0, -1)));
            expect(parsed.request.scale).to.equal(1);
            expect(parsed.request.format).to.equal('webp');
          }
        }),
      );
    });

    it('density ladders: never above maxScale or the limits, each candidate the same CSS box at its density', () => {
      const arb = limitsArb.chain((limits) =>
        fc.record({
          limits: fc.constant(limits),
          id: imageIdArb,
          width: fc.integer({ min: 1, max: limits.maxWidth }),
          height: fc.integer({ min: 0, max: limits.maxHeight }),
          densities: fc.option(fc.array(scaleArb(limits.maxScale + 2), { minLength: 1, maxLength: 6 }), { nil: undefined }),
        }),
      );
      fc.assert(
        fc.property(arb, ({ limits, id, width, height, densities }) => {
          const found = candidates(srcSet(id, { width, height, densities, fit: 'crop' }, { limits }));
          const asked = [...new Set(densities ?? [1, 2, 3])].sort((a, b) => a - b);
          const kept = found.map((c) => Number(c.descriptor.slice(0, -1)));
          expect(found.every((c) => c.descriptor.endsWith('x'))).to.equal(true);
          expect(kept).to.deep.equal(asked.filter((d) => kept.includes(d)));
          for (const density of asked) {
            const fits = density <= limits.maxScale && !exceedsLimits(imageRequestOf(id, { width, height, scale: density }, limits).box(), limits);
            expect(kept.includes(density), `density ${density}`).to.equal(fits);
          }
          for (const { url, descriptor } of found) {
            const parsed = parseBuilt(url, '', limits);
            if (parsed.kind !== 'valid') expect.fail(`${url} is not answered as asked (${parsed.kind})`);
            expect(parsed.request).to.deep.include({ id, width, height, scale: Number(descriptor.slice(0, -1)) });
          }
        }),
      );
    });
  });

  describe('examples', () => {
    it('builds the SPEC §2 grammar', () => {
      expect(imageUrl('cat', { width: 300, height: 200, scale: 2, format: 'webp', fit: 'crop' })).to.equal('/cat_300_200_2x.webp?fit=crop');
      expect(imageUrl('cat', { format: 'avif' }, { baseUrl: 'https://img.example.com/' })).to.equal('https://img.example.com/cat.avif');
      expect(imageUrl('cat', { width: 300, format: 'jpg', auto: 'format', quality: 70 })).to.equal('/cat_300_0.jpg?quality=70&auto=format');
      expect(imageUrl('my_photo_1', { width: 640, height: 480, fit: 'canvas', bg: '#000', blur: true, proxy: true })).to.equal(
        '/my_photo_1_640_480.jpg?fit=canvas&blur=true&bg=000000&proxy=true',
      );
      // An id that looks sized keeps its explicit `_0_0`, so the parser cannot misread it.
      expect(imageUrl('a_1_2', { format: 'png' })).to.equal('/a_1_2_0_0.png');
    });

    it('throws InvalidRequestError naming the option the service would refuse', () => {
      const cases: Array<[string, ImageUrlOptions, string]> = [
        ['a/b', {}, 'id'],
        ['cat', { width: -1 }, 'width'],
        ['cat', { height: 1.5 }, 'height'],
        ['cat', { width: 10, scale: 5 }, 'scale'],
        ['cat', { width: 10, scale: 1.555 }, 'scale'],
        ['cat', { quality: 0 }, 'quality'],
        ['cat', { blur: 0.1 }, 'blur'],
        ['cat', { bg: 'red' }, 'bg'],
        ['cat', { format: 'bmp' as 'png' }, 'format'],
      ];
      for (const [id, options, part] of cases) {
        expect(() => imageUrl(id, options), JSON.stringify(options))
          .to.throw(InvalidRequestError)
          .with.property('part', part);
      }
    });

    it('builds srcset and sizes attribute values', () => {
      expect(srcSet('cat', { widths: [640, 320, 960], format: 'webp' }, { baseUrl: 'https://img.example.com' })).to.equal(
        'https://img.example.com/cat_320_0.webp 320w, https://img.example.com/cat_640_0.webp 640w, https://img.example.com/cat_960_0.webp 960w',
      );
      expect(srcSet('cat', { widths: [400, 800], aspectRatio: 16 / 9, fit: 'crop' })).to.equal('/cat_400_225.jpg?fit=crop 400w, /cat_800_450.jpg?fit=crop 800w');
      expect(srcSet('cat', { width: 300, height: 200 })).to.equal('/cat_300_200.jpg 1x, /cat_300_200_2x.jpg 2x, /cat_300_200_3x.jpg 3x');
      // 2000 px at 3x is 6000 px, beyond the default 4096 limit: left out rather than redirected.
      expect(srcSet('cat', { width: 2000, densities: [1, 1.5, 2, 3] })).to.equal('/cat_2000_0.jpg 1x, /cat_2000_0_1.5x.jpg 1.5x, /cat_2000_0_2x.jpg 2x');
      expect(srcSet('cat', { widths: [1024, 8192] }, { limits: { ...DEFAULT_LIMITS, maxWidth: 2048 } })).to.equal('/cat_1024_0.jpg 1024w');
      expect(() => srcSet('cat', { densities: [1, 2] })).to.throw(InvalidRequestError);
      expect(sizes([{ media: '(max-width: 600px)', size: '100vw' }], '50vw')).to.equal('(max-width: 600px) 100vw, 50vw');
    });

    it('srcSet offers only the boxes of limits.allowedSizes, so a page never asks for one the service redirects', () => {
      const limits = { ...DEFAULT_LIMITS, allowedSizes: [{ width: 320, height: 0 }, { width: 640, height: 0 }, { width: 160, height: 160 }] };
      expect(srcSet('cat', { widths: [160, 320, 480, 640, 960] }, { limits })).to.equal('/cat_320_0.jpg 320w, /cat_640_0.jpg 640w');
      expect(srcSet('cat', { width: 160, densities: [1, 2, 3, 4] }, { limits })).to.equal('/cat_160_0_2x.jpg 2x, /cat_160_0_4x.jpg 4x');
      expect(srcSet('cat', { width: 80, height: 80, fit: 'crop' }, { limits })).to.equal('/cat_80_80_2x.jpg?fit=crop 2x');
    });

    it('signs every URL with the signer it is given, before the base is added (SPEC §8)', () => {
      // A stand-in signer shows where the signature goes and what it covers; the HMAC itself is tested with the server's signer.
      const signer = (signedPart: string): string => `<${signedPart}>`;
      expect(imageUrl('cat', { width: 300, fit: 'crop', height: 200 }, { signer, baseUrl: 'https://img.example.com' })).to.equal(
        'https://img.example.com/cat_300_200.jpg?fit=crop&sig=</cat_300_200.jpg?fit=crop>',
      );
      expect(imageUrl('cat', {}, { signer })).to.equal('/cat.jpg?sig=</cat.jpg>');
      expect(srcSet('cat', { widths: [320] }, { signer })).to.equal('/cat_320_0.jpg?sig=</cat_320_0.jpg> 320w');
    });
  });
});
