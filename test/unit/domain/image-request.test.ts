import { expect } from 'chai';
import fc from 'fast-check';
import { InvalidRequestError, type RequestPart } from '../../../src/domain/domain-error.js';
import { canonicalExtension, SUPPORTED_EXTENSIONS } from '../../../src/domain/image-format.js';
import { IMAGE_ID_PATTERN } from '../../../src/domain/image-id.js';
import { formatColour, GRAVITIES, ImageRequest, WHITE, type ImageRequestParse } from '../../../src/domain/image-request.js';
import { DEFAULT_LIMITS, type Limits } from '../../../src/domain/limits.js';
import { exceedsLimits, FITS } from '../../../src/domain/scaling.js';
import { imageRequestArb, limitsAndOversizedRequestArb, limitsAndRequestArb, scaleArb, splitUrl } from './domain-arbitraries.js';

const REQUEST_PARTS: readonly RequestPart[] = ['path', 'id', 'width', 'height', 'scale', 'format', 'fit', 'gravity', 'quality', 'blur', 'bg', 'proxy', 'auto'];
const OPTION_KEYS = ['fit', 'gravity', 'quality', 'blur', 'bg', 'auto', 'proxy'];

function parseUrl(url: string, limits: Limits = DEFAULT_LIMITS): ImageRequestParse {
  const { path, query } = splitUrl(url);
  return ImageRequest.parse(path, query, limits);
}

function accepted(result: ImageRequestParse, url: string): ImageRequest {
  if (result.kind === 'invalid') expect.fail(`${url} was rejected: ${result.error.part}: ${result.error.message}`);
  return result.request;
}

function rejectedPart(result: ImageRequestParse, url: string): RequestPart {
  if (result.kind !== 'invalid') expect.fail(`${url} was accepted as ${result.request.toUrl()}`);
  expect(result.error).to.be.instanceOf(InvalidRequestError);
  expect(result.error.code).to.equal('INVALID_REQUEST');
  expect(result.error.message).to.be.a('string').and.not.equal('');
  return result.error.part;
}

/** |a.w·b.h − a.h·b.w| ≤ max(b.w, b.h): one side of `a` determines the other within one pixel of b's ratio. */
function sameRatioWithinOnePixel(a: { width: number; height: number }, b: { width: number; height: number }): boolean {
  return Math.abs(a.width * b.height - a.height * b.width) <= Math.max(b.width, b.height);
}

/** Every outcome of `parse` that must hold for any input at all. */
function checkOutcome(path: string, query: string, limits: Limits): void {
  let result: ImageRequestParse;
  try {
    result = ImageRequest.parse(path, query, limits);
  } catch (error) {
    expect.fail(`parse threw for ${JSON.stringify(path)} ? ${JSON.stringify(query)}: ${String(error)}`);
  }
  if (result.kind === 'invalid') {
    expect(result.error).to.be.instanceOf(InvalidRequestError);
    expect(REQUEST_PARTS).to.include(result.error.part);
    return;
  }
  // Whatever is accepted names a safe id and is already canonical after one round.
  expect(result.request.id).to.match(IMAGE_ID_PATTERN);
  const again = accepted(parseUrl(result.request.toUrl(), limits), result.request.toUrl());
  expect(again.toUrl()).to.equal(result.request.toUrl());
  if (result.kind === 'valid') expect(exceedsLimits(result.request.box(), limits)).to.equal(false);
  else expect(exceedsLimits(result.target.box(), limits)).to.equal(false);
}

describe('ImageRequest', () => {
  describe('canonical URLs (properties)', () => {
    it('format(parse(x)) == x for every canonical URL x', () => {
      fc.assert(
        fc.property(limitsAndRequestArb, ({ limits, request }) => {
          const url = request.toUrl();
          const result = parseUrl(url, limits);
          const parsed = accepted(result, url);
          expect(parsed.toUrl()).to.equal(url);
          expect(parsed.toFields()).to.deep.equal(request.toFields());
          expect(result.kind).to.equal(exceedsLimits(request.box(), limits) ? 'redirect' : 'valid');
        }),
        { numRuns: 2000 },
      );
    });

    it('an oversized request comes with a clamped twin inside the limits, same ratio within 1 px, scale 1', () => {
      fc.assert(
        fc.property(limitsAndOversizedRequestArb, ({ limits, request }) => {
          const result = parseUrl(request.toUrl(), limits);
          if (result.kind !== 'redirect') expect.fail(`${request.toUrl()} is ${result.kind}`);
          const box = request.box();
          const clamped = result.target.box();
          expect(exceedsLimits(clamped, limits)).to.equal(false);
          expect(clamped.width === 0).to.equal(box.width === 0);
          expect(clamped.height === 0).to.equal(box.height === 0);
          if (box.width > 0 && box.height > 0) expect(sameRatioWithinOnePixel(clamped, box), `${JSON.stringify(box)} → ${JSON.stringify(clamped)}`).to.equal(true);
          expect(result.target.scale).to.equal(1);
          expect(result.target.toFields()).to.deep.include({ id: request.id, format: request.format, quality: request.quality, blur: request.blur, proxy: request.proxy });
          expect(parseUrl(result.target.toUrl(), limits).kind).to.equal('valid');
          expect(result.reason).to.contain(`${limits.maxWidth}x${limits.maxHeight}`);
        }),
        { numRuns: 2000 },
      );
    });

    it('equivalent spellings parse to the same canonical request', () => {
      const unknownKey = fc.stringMatching(/^[a-zA-Z_]{1,8}$/).filter((key) => !OPTION_KEYS.includes(key));
      const unknownParam = fc.tuple(unknownKey, fc.string({ maxLength: 8 })).map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
      const spelling = limitsAndRequestArb.chain(({ limits, request }) =>
        fc
          .record({
            jpeg: fc.boolean(),
            shortOriginal: fc.boolean(),
            unitScale: fc.constantFrom('', '_1x', '_1.0x', '_1.00x', '_01x'),
            twoDecimals: fc.boolean(),
            widthZeros: fc.integer({ min: 0, max: 8 }),
            heightZeros: fc.integer({ min: 0, max: 8 }),
            originalScale: fc.option(scaleArb(limits.maxScale), { nil: undefined }),
            bg: fc.constantFrom('canonical', 'upper', 'short', 'explicit-white'),
            gravity: fc.option(fc.constantFrom(...GRAVITIES), { nil: undefined }),
            fit: fc.option(fc.constantFrom(...FITS), { nil: undefined }),
            quality: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
            blurTwoDecimals: fc.boolean(),
            explicitDefaults: fc.boolean(),
            encodeValues: fc.boolean(),
            unknown: fc.array(unknownParam, { maxLength: 4 }),
          })
          .chain((choices) => {
            const path = spellPath(request, choices);
            const params = spellParams(request, choices);
            return fc.shuffledSubarray(params, { minLength: params.length, maxLength: params.length }).map((shuffled) => ({
              limits,
              request,
              url: shuffled.length === 0 ? path : `${path}?${shuffled.join('&')}`,
            }));
          }),
      );

      fc.assert(
        fc.property(spelling, ({ limits, request, url }) => {
          const result = parseUrl(url, limits);
          expect(accepted(result, url).toUrl(), url).to.equal(request.toUrl());
          expect(result.kind).to.equal(parseUrl(request.toUrl(), limits).kind);
        }),
        { numRuns: 3000 },
      );
    });
  });

  describe('arbitrary input (properties): never throws, valid or rejected naming a part', () => {
    const limits = DEFAULT_LIMITS;

    it('fc.string paths and queries', () => {
      fc.assert(fc.property(fc.string(), fc.string(), (path, query) => checkOutcome(path, query, limits)), { numRuns: 3000 });
      fc.assert(fc.property(fc.string(), fc.string(), (path, query) => checkOutcome(`/${path}`, query, limits)), { numRuns: 3000 });
    });

    it('full unicode (fast-check 4: string with unit "binary") paths and queries', () => {
      const unicode = fc.string({ unit: 'binary', maxLength: 200 });
      fc.assert(fc.property(unicode, unicode, (path, query) => checkOutcome(`/${path}`, query, limits)), { numRuns: 3000 });
    });

    it('near-grammar token soup', () => {
      const pathToken = fc.constantFrom('a', 'Z', '-', '_', '0', '1', '12', '4096', '99999999999', '.', '..', '/', '%2F', '%00', ' ', 'x', '1.5', '2.625', 'jpg', 'jpeg', 'JPG', 'png', 'bmp', 'é', '\u0000');
      const queryToken = fc.constantFrom('fit=', 'crop', 'canvas', 'gravity=', 'north', 'quality=', '80', '0', '101', 'blur=', 'true', '0.2', 'bg=', 'fff', '#fff', 'auto=format', 'proxy=true', '&', '=', '%', '%zz', '+', '?');
      const soup = fc.tuple(fc.array(pathToken, { maxLength: 20 }), fc.array(queryToken, { maxLength: 12 }));
      fc.assert(fc.property(soup, ([path, query]) => checkOutcome(`/${path.join('')}`, query.join(''), limits)), { numRuns: 5000 });
    });

    it('mutations of valid URLs are rejected, naming the part that was broken', () => {
      const mutation = fc.oneof(
        // Characters an id may never contain, inserted anywhere but after its last character.
        fc.record({
          kind: fc.constant('id' as const),
          insert: fc.constantFrom('/', '..', '.', '%2F', '%2f', '%00', '%20', ' ', '\u0000', 'é', '\\', '~', '+'),
          at: fc.nat(),
        }),
        fc.record({ kind: fc.constantFrom('width' as const, 'height' as const), digits: fc.stringMatching(/^[1-9][0-9]{9,20}$/) }),
        fc.record({ kind: fc.constant('scale' as const), scale: fc.constantFrom('2.625', '1.005', '0.5', '0', '0.99', '5', '9', '100', '1.234') }),
        fc.record({ kind: fc.constant('format' as const), extension: fc.constantFrom('bmp', 'svg', 'JPG', 'Png', 'jpgx', '', 'heic', 'jp g', 'jpg/', 'pdf') }),
        fc.record({ kind: fc.constant('repeat' as const), key: fc.constantFrom('fit', 'gravity', 'quality', 'blur', 'bg', 'auto', 'proxy') }),
        fc.record({
          kind: fc.constant('option' as const),
          option: fc.constantFrom(
            ...[
              ['quality', '0'], ['quality', '101'], ['quality', 'abc'], ['quality', '-1'], ['quality', '1.5'], ['quality', ''],
              ['blur', '0.2'], ['blur', '101'], ['blur', '0.299'], ['blur', '1.555'], ['blur', 'yes'], ['blur', ''],
              ['bg', '#fff'], ['bg', '%23fff'], ['bg', 'ggg'], ['bg', 'ffff'], ['bg', 'fffffff'], ['bg', ''], ['bg', 'white'],
              ['fit', 'fill'], ['fit', 'CROP'], ['gravity', 'up'], ['gravity', 'Center'], ['auto', 'webp'], ['proxy', 'yes'], ['proxy', '1'],
            ].map(([key, value]) => ({ key: key as RequestPart, value: value as string })),
          ),
        }),
      );

      fc.assert(
        fc.property(imageRequestArb(limits), mutation, (request, m) => {
          const ext = canonicalExtension(request.format);
          const sized = `${request.id}_${request.width}_${request.height}`;
          const query = request.toQuery();
          let url: string;
          let expected: RequestPart;
          switch (m.kind) {
            case 'id': {
              const at = m.at % request.id.length;
              const path = request.toPath();
              url = `${path.slice(0, 1 + at)}${m.insert}${path.slice(1 + at)}`;
              expected = 'id';
              break;
            }
            case 'width':
              url = `/${request.id}_${m.digits}_${request.height}.${ext}`;
              expected = 'width';
              break;
            case 'height':
              url = `/${request.id}_${request.width}_${m.digits}.${ext}`;
              expected = 'height';
              break;
            case 'scale':
              url = `/${sized}_${m.scale}x.${ext}`;
              expected = 'scale';
              break;
            case 'format':
              url = `/${sized}.${m.extension}`;
              expected = 'format';
              break;
            case 'repeat': {
              const value = { fit: 'clip', gravity: 'center', quality: '80', blur: 'true', bg: 'fff', auto: 'format', proxy: 'false' }[m.key];
              url = `/${sized}.${ext}?${m.key}=${value}&${query}&${m.key}=${value}`;
              expected = m.key as RequestPart;
              break;
            }
            case 'option':
              url = `/${sized}.${ext}?${query}${query ? '&' : ''}${m.option.key}=${m.option.value}`;
              expected = m.option.key;
              break;
          }
          if (m.kind !== 'id' && m.kind !== 'option' && m.kind !== 'repeat') url += query ? `?${query}` : '';
          // A bad option must be rejected even where it would be ignored; drop the canonical duplicate.
          if (m.kind === 'option' && new URLSearchParams(query).has(m.option.key)) {
            const rest = [...new URLSearchParams(query)].filter(([key]) => key !== m.option.key).map(([k, v]) => `${k}=${v}`);
            url = `/${sized}.${ext}?${[...rest, `${m.option.key}=${m.option.value}`].join('&')}`;
          }
          const { path, query: rawQuery } = splitUrl(url);
          checkOutcome(path, rawQuery, limits);
          expect(rejectedPart(ImageRequest.parse(path, rawQuery, limits), url), url).to.equal(expected);
        }),
        { numRuns: 4000 },
      );
    });
  });

  describe('SPEC §2 examples', () => {
    const valid: readonly (readonly [string, Partial<Record<string, unknown>>, string])[] = [
      ['/photo_300_200.jpg', { id: 'photo', width: 300, height: 200, scale: 1, format: 'jpeg' }, '/photo_300_200.jpg'],
      ['/user_42_photo_300_200.webp', { id: 'user_42_photo', width: 300, height: 200, format: 'webp' }, '/user_42_photo_300_200.webp'],
      ['/a_1_2_3_4_2x.png', { id: 'a_1_2', width: 3, height: 4, scale: 2 }, '/a_1_2_3_4_2x.png'],
      ['/a_3x_10_20.jpg', { id: 'a_3x', width: 10, height: 20, scale: 1 }, '/a_3x_10_20.jpg'],
      ['/a_1_2_3x.jpg', { id: 'a', width: 1, height: 2, scale: 3 }, '/a_1_2_3x.jpg'],
      ['/photo_400_300_1.5x.jpg', { width: 400, height: 300, scale: 1.5 }, '/photo_400_300_1.5x.jpg'],
      ['/photo_400_300_1.50x.jpg', { scale: 1.5 }, '/photo_400_300_1.5x.jpg'],
      ['/photo_400_300_1x.jpeg', { scale: 1, format: 'jpeg' }, '/photo_400_300.jpg'],
      ['/photo_0_300.png', { width: 0, height: 300, fit: 'clip' }, '/photo_0_300.png'],
      ['/photo_0_300.png?fit=crop&gravity=north', { fit: 'clip', gravity: undefined }, '/photo_0_300.png'],
      ['/photo_0_0.png', { width: 0, height: 0 }, '/photo.png'],
      ['/photo_0_0_2x.png', { scale: 1 }, '/photo.png'],
      ['/photo.jpeg', { id: 'photo', width: 0, height: 0, format: 'jpeg' }, '/photo.jpg'],
      ['/x_1_2_0_0.jpg', { id: 'x_1_2', width: 0, height: 0 }, '/x_1_2_0_0.jpg'],
      ['/x_1_2.jpg', { id: 'x', width: 1, height: 2 }, '/x_1_2.jpg'],
      ['/_1_2.jpg', { id: '_1_2', width: 0, height: 0 }, '/_1_2.jpg'],
      ['/p_100_100.jpg?gravity=north', { fit: 'clip', gravity: undefined }, '/p_100_100.jpg'],
      ['/p_100_100.jpg?gravity=north&fit=crop', { fit: 'crop', gravity: 'north' }, '/p_100_100.jpg?fit=crop&gravity=north'],
      ['/p_100_100.png?quality=80', { quality: undefined }, '/p_100_100.png'],
      ['/p_100_100.png?quality=80&auto=format', { quality: 80, autoFormat: true }, '/p_100_100.png?quality=80&auto=format'],
      ['/p_100_100.jpg?blur=true&bg=FFF&utm_source=x', { blur: 'default', bg: WHITE }, '/p_100_100.jpg?blur=true'],
      ['/p_100_100.jpg?bg=0000007f&blur=2.50', { blur: 2.5, bg: { r: 0, g: 0, b: 0, alpha: 127 } }, '/p_100_100.jpg?blur=2.5&bg=0000007f'],
      ['/p_007_0100.jpg', { width: 7, height: 100 }, '/p_7_100.jpg'],
      ['/p_4096_4096_1x.jpg', { width: 4096, height: 4096 }, '/p_4096_4096.jpg'],
    ];
    for (const [url, fields, canonical] of valid) {
      it(`accepts ${url} as ${canonical}`, () => {
        const result = parseUrl(url);
        expect(result.kind).to.equal('valid');
        const request = accepted(result, url);
        expect(request.toFields()).to.deep.include(fields);
        expect(request.toUrl()).to.equal(canonical);
      });
    }

    const invalid: readonly (readonly [string, RequestPart])[] = [
      ['/photo_400_300_2.625x.jpg', 'scale'],
      ['/photo_400_300_0.5x.jpg', 'scale'],
      ['/photo_400_300_5x.jpg', 'scale'],
      ['/photo_400_300.bmp', 'format'],
      ['/photo_400_300', 'format'],
      ['/photo', 'format'],
      ['/a%2Fb_1_2.jpg', 'id'],
      ['/a/b_1_2.jpg', 'id'],
      ['/.._1_2.jpg', 'id'],
      ['/.jpg', 'id'],
      [`/${'a'.repeat(129)}_1_2.jpg`, 'id'],
      ['/a_1234567890_1.jpg', 'width'],
      ['/a_1_1234567890.jpg', 'height'],
      ['/a_1_1.jpg?fit=stretch', 'fit'],
      ['/a_1_1.jpg?fit=crop&fit=crop', 'fit'],
      ['/a_1_1.jpg?quality=0', 'quality'],
      ['/a_1_1.jpg?quality=101', 'quality'],
      ['/a_1_1.jpg?blur=0.2', 'blur'],
      ['/a_1_1.jpg?bg=%23fff', 'bg'],
      ['a_1_1.jpg', 'path'],
    ];
    for (const [url, part] of invalid) {
      it(`rejects ${url} naming ${part}`, () => {
        expect(rejectedPart(parseUrl(url), url)).to.equal(part);
      });
    }

    it('rejects path traversal of any shape without throwing', () => {
      for (const path of ['/../etc/passwd', '/..%2Fetc%2Fpasswd.jpg', '/%2e%2e/x.jpg', '/a/../b.jpg', '//etc/passwd.jpg', '/a\\..\\b.jpg']) {
        expect(parseUrl(path).kind, path).to.equal('invalid');
      }
    });

    it('an unknown format lists the supported ones', () => {
      const result = parseUrl('/photo_100_100.bmp');
      if (result.kind !== 'invalid') expect.fail('accepted');
      for (const extension of SUPPORTED_EXTENSIONS) expect(result.error.message).to.contain(extension);
    });

    it('redirects an oversized box to the largest allowed box with its aspect ratio', () => {
      const cases: readonly (readonly [string, number, number])[] = [
        ['/p_5000_2500.jpg', 4096, 2048],
        ['/p_3000_1000_2x.jpg', 4096, 1365],
        ['/p_0_9000.jpg', 0, 4096],
        ['/p_9000_0.jpg', 4096, 0],
        ['/p_2048_2048_2.5x.jpg', 4096, 4096],
        ['/p_100000_1.jpg', 4096, 1],
      ];
      for (const [url, width, height] of cases) {
        const result = parseUrl(url);
        if (result.kind !== 'redirect') expect.fail(`${url}: ${result.kind}`);
        expect(result.target.box(), url).to.deep.equal({ width, height });
        expect(result.target.scale).to.equal(1);
        expect(result.reason).to.contain('4096x4096');
      }
    });

    it('spells the original size as _0_0 only when /{id}.{ext} would read as a sized name', () => {
      const request = (id: string): ImageRequest =>
        ImageRequest.create(
          { id: id as never, width: 0, height: 0, scale: 1, format: 'png', fit: 'clip', gravity: 'center', quality: undefined, blur: undefined, bg: WHITE, autoFormat: false, proxy: false },
          DEFAULT_LIMITS,
        );
      expect(request('photo').toUrl()).to.equal('/photo.png');
      expect(request('photo_1').toUrl()).to.equal('/photo_1.png');
      expect(request('photo_1_2').toUrl()).to.equal('/photo_1_2_0_0.png');
      expect(request('photo_1_2_3x').toUrl()).to.equal('/photo_1_2_3x_0_0.png');
      expect(formatColour({ r: 1, g: 2, b: 3, alpha: 255 })).to.equal('010203');
    });

    it('create rejects what parse rejects and accepts two-decimal scales and sigmas exactly', () => {
      const base = { id: 'p' as never, width: 10, height: 10, scale: 1, format: 'jpeg' as const, fit: 'clip' as const, gravity: 'center' as const, quality: undefined, blur: undefined, bg: WHITE, autoFormat: false, proxy: false };
      for (const scale of [1.15, 1.29, 2.01, 3.99, 1.1]) expect(ImageRequest.create({ ...base, scale }, DEFAULT_LIMITS).scale).to.equal(scale);
      for (const blur of [0.3, 1.15, 4.35, 99.99]) expect(ImageRequest.create({ ...base, blur }, DEFAULT_LIMITS).blur).to.equal(blur);
      const part = (fields: object): RequestPart | undefined => {
        try {
          ImageRequest.create({ ...base, ...fields }, DEFAULT_LIMITS);
          return undefined;
        } catch (error) {
          return (error as InvalidRequestError).part;
        }
      };
      expect(part({ scale: 2.625 })).to.equal('scale');
      expect(part({ scale: 0.5 })).to.equal('scale');
      expect(part({ blur: 0.2 })).to.equal('blur');
      expect(part({ blur: 1.555 })).to.equal('blur');
      expect(part({ quality: 0 })).to.equal('quality');
      expect(part({ width: -1 })).to.equal('width');
      expect(part({ height: 1.5 })).to.equal('height');
      expect(part({ id: 'a/b' })).to.equal('id');
    });

    it('parse and create refuse the same bad value with the same part and message (one rule each)', () => {
      const base = { id: 'p' as never, width: 10, height: 10, scale: 1, format: 'jpeg' as const, fit: 'clip' as const, gravity: 'center' as const, quality: undefined, blur: undefined, bg: WHITE, autoFormat: false, proxy: false };
      const fromCreate = (fields: object): InvalidRequestError => {
        try {
          ImageRequest.create({ ...base, ...fields }, DEFAULT_LIMITS);
        } catch (error) {
          return error as InvalidRequestError;
        }
        return expect.fail(`create accepted ${JSON.stringify(fields)}`);
      };
      const cases: readonly (readonly [string, object])[] = [
        ['/a%2Fb_10_10.jpg', { id: 'a%2Fb' }],
        [`/${'a'.repeat(129)}_10_10.jpg`, { id: 'a'.repeat(129) }],
        ['/p_1234567890_10.jpg', { width: 1234567890 }],
        ['/p_10_1234567890.jpg', { height: 1234567890 }],
        ['/p_10_10_2.625x.jpg', { scale: 2.625 }],
        ['/p_10_10_5x.jpg', { scale: 5 }],
        ['/p_10_10.jpg?quality=0', { quality: 0 }],
        ['/p_10_10.jpg?quality=101', { quality: 101 }],
        ['/p_10_10.jpg?blur=0.2', { blur: 0.2 }],
        ['/p_10_10.jpg?blur=100.01', { blur: 100.01 }],
        ['/p_10_10.jpg?fit=stretch', { fit: 'stretch' }],
        ['/p_10_10.jpg?gravity=up', { gravity: 'up' }],
        ['/p_10_10.jpg?bg=ggg', { bg: { r: 256, g: 0, b: 0, alpha: 255 } }],
      ];
      for (const [url, fields] of cases) {
        const parsed = parseUrl(url);
        if (parsed.kind !== 'invalid') expect.fail(`${url} was accepted`);
        const created = fromCreate(fields);
        expect([created.part, created.message], url).to.deep.equal([parsed.error.part, parsed.error.message]);
      }
    });
  });
});

interface SpellingChoices {
  readonly jpeg: boolean;
  readonly shortOriginal: boolean;
  readonly unitScale: string;
  readonly twoDecimals: boolean;
  readonly widthZeros: number;
  readonly heightZeros: number;
  readonly originalScale: number | undefined;
  readonly bg: 'canonical' | 'upper' | 'short' | 'explicit-white';
  readonly gravity: (typeof GRAVITIES)[number] | undefined;
  readonly fit: (typeof FITS)[number] | undefined;
  readonly quality: number | undefined;
  readonly blurTwoDecimals: boolean;
  readonly explicitDefaults: boolean;
  readonly encodeValues: boolean;
  readonly unknown: readonly string[];
}

function padded(value: number, zeros: number): string {
  const digits = String(value);
  return digits.padStart(Math.min(9, digits.length + zeros), '0');
}

/** A non-canonical but equivalent path for `request`. */
function spellPath(request: ImageRequest, c: SpellingChoices): string {
  const ext = request.format === 'jpeg' && c.jpeg ? 'jpeg' : canonicalExtension(request.format);
  const shortIsCanonical = request.toPath() === `/${request.id}.${canonicalExtension(request.format)}`;
  if (request.isOriginalSize()) {
    if (shortIsCanonical && c.shortOriginal) return `/${request.id}.${ext}`;
    const scale = c.originalScale === undefined ? '' : `_${c.originalScale}x`;
    return `/${request.id}_${padded(0, c.widthZeros)}_${padded(0, c.heightZeros)}${scale}.${ext}`;
  }
  const scale = request.scale === 1 ? c.unitScale : `_${c.twoDecimals ? request.scale.toFixed(2) : String(request.scale)}x`;
  return `/${request.id}_${padded(request.width, c.widthZeros)}_${padded(request.height, c.heightZeros)}${scale}.${ext}`;
}

/** The request's options spelled differently, plus options that must not change it. */
function spellParams(request: ImageRequest, c: SpellingChoices): string[] {
  const encode = (value: string): string => (c.encodeValues ? [...value].map((ch) => `%${ch.charCodeAt(0).toString(16)}`).join('') : value);
  const params: string[] = [];
  const zeroSide = request.width === 0 || request.height === 0;
  if (request.fit !== 'clip') params.push(`fit=${encode(request.fit)}`);
  else if (zeroSide && c.fit !== undefined) params.push(`fit=${c.fit}`);
  else if (c.explicitDefaults) params.push('fit=clip');
  if (request.gravity !== undefined) params.push(`gravity=${encode(request.gravity)}`);
  else if (request.fit !== 'crop' && c.gravity !== undefined) params.push(`gravity=${c.gravity}`);
  if (request.quality !== undefined) params.push(`quality=${request.quality}`);
  else if (c.quality !== undefined && request.toQuery().indexOf('quality=') < 0 && !request.autoFormat && ['png', 'gif', 'tiff'].includes(request.format)) {
    params.push(`quality=${c.quality}`);
  }
  if (typeof request.blur === 'number') params.push(`blur=${c.blurTwoDecimals ? request.blur.toFixed(2) : String(request.blur)}`);
  else if (request.blur === 'default') params.push('blur=true');
  else if (c.explicitDefaults) params.push('blur=false');
  const bg = formatColour(request.bg);
  const white = bg === 'ffffff';
  if (white) {
    if (c.bg === 'explicit-white') params.push('bg=FFFFFF');
    else if (c.bg === 'short') params.push('bg=fff');
    else if (c.bg === 'upper') params.push('bg=ffffffFF');
  } else if (c.bg === 'upper') params.push(`bg=${bg.toUpperCase()}`);
  else if (c.bg === 'short' && bg.length === 6 && bg[0] === bg[1] && bg[2] === bg[3] && bg[4] === bg[5]) params.push(`bg=${bg[0]}${bg[2]}${bg[4]}`);
  else if (c.bg === 'short' && bg.length === 6) params.push(`bg=${bg}ff`);
  else params.push(`bg=${bg}`);
  if (request.autoFormat) params.push('auto=format');
  if (request.proxy) params.push('proxy=true');
  else if (c.explicitDefaults) params.push('proxy=false');
  return [...params, ...c.unknown];
}
