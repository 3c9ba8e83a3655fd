import { expect } from 'chai';
import fc from 'fast-check';
import { canonicalExtension, isLossy, OUTPUT_FORMATS, type OutputFormat } from '../../../src/domain/image-format.js';
import { formatColour, GRAVITIES, ImageRequest, WHITE, type Rgba } from '../../../src/domain/image-request.js';
import { DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import { contentVersionOf, type OriginalKey } from '../../../src/domain/original.js';
import { renditionPrefix } from '../../../src/domain/object-key.js';
import { canonicalSpec, Rendition, resolveSpec, type RenderDefaults, type RenditionSpec } from '../../../src/domain/rendition.js';
import { computeGeometry, FITS } from '../../../src/domain/scaling.js';
import { contentVersionArb, imageIdArb, imageRequestArb, rgbaArb, splitUrl } from './domain-arbitraries.js';

const limits = DEFAULT_LIMITS;
const originalKeyArb: fc.Arbitrary<OriginalKey> = fc.record({ id: imageIdArb, version: contentVersionArb });
const originalSizeArb = fc.record({ width: fc.integer({ min: 1, max: 20_000 }), height: fc.integer({ min: 1, max: 20_000 }), hasAlpha: fc.boolean() });
const sizeArb = fc.record({ width: fc.integer({ min: 1, max: 4096 }), height: fc.integer({ min: 1, max: 4096 }) });
const defaultsArb: fc.Arbitrary<RenderDefaults> = fc.record({
  quality: fc.record(Object.fromEntries(OUTPUT_FORMATS.map((format) => [format, fc.integer({ min: 1, max: 100 })])) as Record<OutputFormat, fc.Arbitrary<number>>),
  blurSigma: fc.integer({ min: 30, max: 10_000 }).map((n) => n / 100),
  allowUpscale: fc.boolean(),
});

/** Each identity-bearing field of a spec with an arbitrary of its values. */
const specFieldArbs = {
  box: fc.record({ width: fc.nat(4096), height: fc.nat(4096) }),
  fit: fc.constantFrom(...FITS),
  gravity: fc.constantFrom(...GRAVITIES),
  focus: fc.option(fc.record({ x: fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000), y: fc.integer({ min: 0, max: 10_000 }).map((n) => n / 10_000) }), { nil: undefined }),
  format: fc.constantFrom(...OUTPUT_FORMATS),
  quality: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  blur: fc.option(fc.integer({ min: 30, max: 10_000 }).map((n) => n / 100), { nil: undefined }),
  bg: rgbaArb,
  allowUpscale: fc.boolean(),
  geometry: fc.record({ content: sizeArb, output: sizeArb }),
};
type SpecField = keyof typeof specFieldArbs;
const specArb: fc.Arbitrary<RenditionSpec> = fc.record(specFieldArbs);

const KEY_SHAPE = /^([A-Za-z0-9_-]{1,128})\/([0-9a-f]{16})\/([0-9a-f]{32})\.(jpg|png|webp|avif|gif|tiff)$/;

describe('Rendition', () => {
  describe('identity (properties)', () => {
    it('equal specs give equal fingerprints, keys and ETags', () => {
      fc.assert(
        fc.property(originalKeyArb, specArb, (original, spec) => {
          const a = Rendition.of(original, spec);
          const b = Rendition.of({ id: original.id, version: original.version }, structuredClone(spec));
          expect(b.fingerprint).to.equal(a.fingerprint);
          expect(b.key).to.equal(a.key);
          expect(b.etag).to.equal(a.etag);
        }),
      );
    });

    it('changing any single field of the spec changes the key', () => {
      const change = specArb.chain((spec) =>
        fc.constantFrom(...(Object.keys(specFieldArbs) as SpecField[])).chain((field) =>
          (specFieldArbs[field] as fc.Arbitrary<unknown>)
            .filter((value) => JSON.stringify(value) !== JSON.stringify(spec[field]))
            .map((value) => ({ spec, field, changed: { ...spec, [field]: value } as RenditionSpec })),
        ),
      );
      fc.assert(
        fc.property(originalKeyArb, change, (original, { spec, field, changed }) => {
          const before = Rendition.of(original, spec);
          const after = Rendition.of(original, changed);
          expect(after.fingerprint, `${field}: ${canonicalSpec(spec)} vs ${canonicalSpec(changed)}`).not.to.equal(before.fingerprint);
          expect(after.key).not.to.equal(before.key);
          expect(after.etag).not.to.equal(before.etag);
        }),
        { numRuns: 3000 },
      );
    });

    it('different content versions of one id give different keys and ETags', () => {
      fc.assert(
        fc.property(imageIdArb, fc.uint8Array(), fc.uint8Array(), specArb, (id, bytesA, bytesB, spec) => {
          fc.pre(!Buffer.from(bytesA).equals(Buffer.from(bytesB)));
          const a = Rendition.of({ id, version: contentVersionOf(bytesA) }, spec);
          const b = Rendition.of({ id, version: contentVersionOf(bytesB) }, spec);
          expect(a.key).not.to.equal(b.key);
          expect(a.etag).not.to.equal(b.etag);
          expect(renditionPrefix(a.original)).not.to.equal(renditionPrefix(b.original));
        }),
      );
    });

    it('keys look like {id}/{version16}/{32 hex}.{ext}, under the prefix of their original, with a strong ETag from the key', () => {
      fc.assert(
        fc.property(originalKeyArb, specArb, (original, spec) => {
          const rendition = Rendition.of(original, spec);
          const match = KEY_SHAPE.exec(rendition.key);
          if (match === null) expect.fail(`bad key ${rendition.key}`);
          expect(match[1]).to.equal(original.id);
          expect(match[2]).to.equal(original.version.slice(0, 16));
          expect(match[3]).to.equal(rendition.fingerprint);
          expect(match[4]).to.equal(canonicalExtension(spec.format));
          expect(rendition.key.startsWith(renditionPrefix(original))).to.equal(true);
          expect(rendition.key.startsWith(`${original.id}/`)).to.equal(true);
          expect(rendition.etag).to.equal(`"${match[2]}-${match[3]}"`);
          expect(rendition.contentType).to.equal(`image/${spec.format}`);
        }),
      );
    });

    it('requests that mean the same rendition resolve to the same key; proxy is not part of it', () => {
      fc.assert(
        fc.property(imageRequestArb(limits), originalKeyArb, originalSizeArb, defaultsArb, (request, original, size, defaults) => {
          const key = (r: ImageRequest): string => Rendition.of(original, resolveSpec(r, r.format, size, defaults, limits)).key;
          const { path, query } = splitUrl(request.toUrl());
          const reparsed = ImageRequest.parse(path, `${query}&utm_source=mail`, limits);
          if (reparsed.kind === 'invalid') expect.fail(reparsed.error.message);
          expect(key(reparsed.request)).to.equal(key(request));
          expect(key(request.with({ proxy: !request.proxy }))).to.equal(key(request));
          if (isLossy(request.format)) {
            expect(key(request.with({ quality: undefined }))).to.equal(key(request.with({ quality: defaults.quality[request.format] })));
          }
          expect(key(request.with({ blur: 'default' }))).to.equal(key(request.with({ blur: defaults.blurSigma })));
        }),
      );
    });
  });

  describe('options that cannot change the output are not part of the identity (ADR 0018, properties)', () => {
    const keyOf = (r: ImageRequest, original: { width: number; height: number; hasAlpha: boolean }, format = r.format): string =>
      Rendition.of({ id: 'p' as never, version: contentVersionOf(new Uint8Array([7])) }, resolveSpec(r, format, original, DEFAULTS, limits)).key;
    const DEFAULTS: RenderDefaults = { quality: { jpeg: 80, png: 100, webp: 75, avif: 50, gif: 100, tiff: 100 }, blurSigma: 5, allowUpscale: true };
    const worldArb = fc.record({ request: imageRequestArb(limits), original: originalSizeArb, bg: rgbaArb, otherBg: rgbaArb });
    const padded = (r: ImageRequest, original: { width: number; height: number }): boolean => {
      const { content, output } = computeGeometry(original, r.box(), r.fit, limits, DEFAULTS.allowUpscale);
      return r.fit === 'canvas' && (content.width !== output.width || content.height !== output.height);
    };

    it('bg is left out unless it fills a canvas padding or flattens a transparent original into JPEG', () => {
      fc.assert(
        fc.property(worldArb, ({ request, original, bg, otherBg }) => {
          const [a, b] = [keyOf(request.with({ bg }), original), keyOf(request.with({ bg: otherBg }), original)];
          const used = padded(request, original) || (request.format === 'jpeg' && original.hasAlpha);
          if (!used) expect(a).to.equal(b);
          const visible = (c: Rgba): string => (request.format === 'jpeg' ? formatColour({ ...c, alpha: 255 }) : formatColour(c));
          if (used) expect(a === b).to.equal(visible(bg) === visible(otherBg));
        }),
      );
    });

    it('a clip, cover or unpadded canvas has the key of a clip into its own output size: the box and fit change nothing else', () => {
      fc.assert(
        fc.property(imageRequestArb(limits), originalSizeArb, (request, original) => {
          fc.pre(request.fit !== 'crop' && !padded(request, original));
          const { output } = computeGeometry(original, request.box(), request.fit, limits, DEFAULTS.allowUpscale);
          const twin = request.with({ width: output.width, height: output.height, scale: 1, fit: 'clip' });
          const sameGeometry = (r: ImageRequest) => JSON.stringify(computeGeometry(original, r.box(), r.fit, limits, DEFAULTS.allowUpscale));
          // Rounding can make the twin's own geometry differ by a pixel; then it is another rendition.
          if (sameGeometry(twin) === sameGeometry(request)) expect(keyOf(twin, original)).to.equal(keyOf(request, original));
          else expect(keyOf(twin, original)).to.not.equal(keyOf(request, original));
        }),
      );
    });

    it('examples: the SPEC §8 case, boxes with one output, cover and an unpadded canvas as clip', () => {
      const opaque = { width: 4000, height: 3000, hasAlpha: false };
      const transparent = { ...opaque, hasAlpha: true };
      const r = (path: string, query = ''): ImageRequest => {
        const result = ImageRequest.parse(path, query, limits);
        if (result.kind !== 'valid') expect.fail(path);
        return result.request;
      };
      for (const format of ['png', 'jpg', 'webp', 'gif'] as const) {
        expect(keyOf(r(`/p_400_0.${format}`, 'bg=000001'), opaque)).to.equal(keyOf(r(`/p_400_0.${format}`, 'bg=000002'), opaque));
      }
      expect(keyOf(r('/p_400_0.png', 'bg=000001'), transparent)).to.equal(keyOf(r('/p_400_0.png', 'bg=000002'), transparent));
      expect(keyOf(r('/p_400_0.jpg', 'bg=000001'), transparent)).to.not.equal(keyOf(r('/p_400_0.jpg', 'bg=000002'), transparent));
      expect(keyOf(r('/p_400_0.jpg', 'bg=00000180'), transparent)).to.equal(keyOf(r('/p_400_0.jpg', 'bg=000001'), transparent));
      expect(keyOf(r('/p_400_400.png', 'fit=canvas&bg=000001'), opaque)).to.not.equal(keyOf(r('/p_400_400.png', 'fit=canvas&bg=000002'), opaque));
      const clip = keyOf(r('/p_400_300.png'), opaque);
      for (const [path, query] of [['/p_400_0.png', ''], ['/p_400_301.png', ''], ['/p_400_300.png', 'fit=cover'], ['/p_400_300.png', 'fit=canvas&bg=f00']]) {
        expect(keyOf(r(path!, query), opaque), `${path}?${query}`).to.equal(clip);
      }
      expect(keyOf(r('/p_400_300.png', 'fit=crop'), opaque)).to.not.equal(clip);
    });
  });

  describe('resolveSpec', () => {
    const defaults: RenderDefaults = {
      quality: { jpeg: 80, png: 90, webp: 75, avif: 50, gif: 100, tiff: 85 },
      blurSigma: 5,
      allowUpscale: true,
    };
    const original = { width: 4000, height: 3000, hasAlpha: false };
    const request = (query: string, path = '/p_400_400.jpg'): ImageRequest => {
      const result = ImageRequest.parse(path, query, limits);
      if (result.kind !== 'valid') expect.fail(`${path}?${query}: ${result.kind}`);
      return result.request;
    };

    it('fills the quality of the output format from the defaults', () => {
      expect(resolveSpec(request(''), 'jpeg', original, defaults, limits).quality).to.equal(80);
      expect(resolveSpec(request(''), 'webp', original, defaults, limits).quality).to.equal(75);
      expect(resolveSpec(request(''), 'avif', original, defaults, limits).quality).to.equal(50);
      expect(resolveSpec(request('quality=33'), 'jpeg', original, defaults, limits).quality).to.equal(33);
    });

    it('gives lossless formats no quality, even when the request carries one for negotiation', () => {
      const negotiable = request('quality=33&auto=format', '/p_400_400.png');
      expect(negotiable.quality).to.equal(33);
      for (const format of ['png', 'gif', 'tiff'] as const) {
        expect(resolveSpec(negotiable, format, original, defaults, limits).quality).to.equal(undefined);
        expect(resolveSpec(request(''), format, original, defaults, limits).quality).to.equal(undefined);
      }
      expect(resolveSpec(negotiable, 'webp', original, defaults, limits).quality).to.equal(33);
    });

    it('turns blur=true into the default sigma and keeps explicit sigmas and no blur', () => {
      expect(resolveSpec(request('blur=true'), 'jpeg', original, defaults, limits).blur).to.equal(5);
      expect(resolveSpec(request('blur=2.5'), 'jpeg', original, defaults, limits).blur).to.equal(2.5);
      expect(resolveSpec(request(''), 'jpeg', original, defaults, limits).blur).to.equal(undefined);
      expect(resolveSpec(request('blur=false'), 'jpeg', original, defaults, limits).blur).to.equal(undefined);
    });

    it('carries the output size as the box, fit, gravity, bg, the upscaling switch and the computed geometry', () => {
      const r = request('fit=crop&gravity=north&bg=000', '/p_200_100_2x.jpg');
      const spec = resolveSpec(r, 'jpeg', { ...original, hasAlpha: true }, { ...defaults, allowUpscale: false }, limits);
      expect(spec).to.deep.include({ box: { width: 400, height: 200 }, fit: 'crop', gravity: 'north', format: 'jpeg', bg: { r: 0, g: 0, b: 0, alpha: 255 }, allowUpscale: false });
      expect(spec.geometry).to.deep.equal(computeGeometry(original, { width: 400, height: 200 }, 'crop', limits, false));
      expect(resolveSpec(request(''), 'png', original, defaults, limits).bg).to.deep.equal(WHITE);
      const clipped = resolveSpec(request('', '/p_400_400_2x.jpg'), 'jpeg', original, defaults, limits);
      expect([clipped.box, clipped.geometry.output]).to.deep.equal([{ width: 800, height: 600 }, { width: 800, height: 600 }]);
    });

    it('different configured defaults give different keys for the same request', () => {
      const key = (d: RenderDefaults): string => Rendition.of({ id: 'p' as never, version: contentVersionOf(new Uint8Array([1])) }, resolveSpec(request(''), 'jpeg', original, d, limits)).key;
      expect(key({ ...defaults, quality: { ...defaults.quality, jpeg: 81 } })).not.to.equal(key(defaults));
      expect(key({ ...defaults, allowUpscale: false })).not.to.equal(key(defaults));
      // png has no quality, so its default does not matter for a jpeg
      expect(key({ ...defaults, quality: { ...defaults.quality, png: 1 } })).to.equal(key(defaults));
    });

    it('a change of the size limits that changes the geometry changes the key', () => {
      const large = { width: 6000, height: 4000, hasAlpha: false };
      const spec = (maxWidth: number): RenditionSpec =>
        resolveSpec(request('', '/p.jpg'), 'jpeg', large, defaults, { ...limits, maxWidth, maxHeight: maxWidth });
      expect(spec(4096).geometry.output).to.deep.equal({ width: 4096, height: 2731 });
      expect(spec(2048).geometry.output).to.deep.equal({ width: 2048, height: 1365 });
      const version = contentVersionOf(new Uint8Array([2]));
      expect(Rendition.of({ id: 'p' as never, version }, spec(2048)).key).not.to.equal(Rendition.of({ id: 'p' as never, version }, spec(4096)).key);
    });
  });
});
