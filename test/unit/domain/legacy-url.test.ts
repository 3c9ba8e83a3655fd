import { expect } from 'chai';
import fc from 'fast-check';
import { ImageRequest, LEGACY_URL_FORMS, type ImageRequestParse, type LegacyUrlForm, type UrlDialect } from '../../../src/domain/image-request.js';
import { DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import { limitsAndRequestArb, splitUrl } from './domain-arbitraries.js';

const LEGACY: UrlDialect = { legacy: true };

function parse(url: string, dialect = LEGACY): ImageRequestParse {
  const { path, query } = splitUrl(url);
  return ImageRequest.parse(path, query, DEFAULT_LIMITS, dialect);
}

function canonicalOf(result: ImageRequestParse, url: string): { url: string; forms: readonly LegacyUrlForm[] } {
  if (result.kind === 'invalid') expect.fail(`${url} was rejected: ${result.error.part}: ${result.error.message}`);
  return { url: result.request.toUrl(), forms: result.legacyForms };
}

/** Upper-cases some letters of the extension (at least one): `.jpg` → `.jPG`. */
const upperCasedExtensionArb = (extension: string) =>
  fc
    .array(fc.boolean(), { minLength: extension.length, maxLength: extension.length })
    .filter((flags) => flags.some(Boolean))
    .map((flags) => [...extension].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''));

describe('ImageRequest: the legacy dialect (compat.legacy, SPEC §10)', () => {
  it('reads every canonical URL exactly as the strict grammar does, reporting no legacy form', () => {
    fc.assert(
      fc.property(limitsAndRequestArb, ({ limits, request }) => {
        const url = request.toUrl();
        const { path, query } = splitUrl(url);
        const strict = ImageRequest.parse(path, query, limits);
        const legacy = ImageRequest.parse(path, query, limits, LEGACY);
        expect(legacy.kind).to.equal(strict.kind);
        if (legacy.kind === 'invalid' || strict.kind === 'invalid') return;
        expect(legacy.request.toUrl()).to.equal(strict.request.toUrl());
        expect(legacy.legacyForms).to.deep.equal([]);
        expect(strict.legacyForms).to.deep.equal([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('an upper-case extension names the same rendition as its lower-case spelling', () => {
    const arb = limitsAndRequestArb.chain(({ request }) => {
      const { path, query } = splitUrl(request.toUrl());
      const dot = path.lastIndexOf('.');
      return upperCasedExtensionArb(path.slice(dot + 1)).map((upper) => ({
        strict: { path, query },
        legacyUrl: `${path.slice(0, dot + 1)}${upper}${query === '' ? '' : `?${query}`}`,
      }));
    });
    fc.assert(
      fc.property(arb, ({ strict, legacyUrl }) => {
        const strictResult = ImageRequest.parse(strict.path, strict.query, DEFAULT_LIMITS);
        if (strictResult.kind === 'invalid') return;
        expect(canonicalOf(parse(legacyUrl), legacyUrl)).to.deep.equal({ url: strictResult.request.toUrl(), forms: ['uppercase_extension'] });
      }),
      { numRuns: 300 },
    );
  });

  it('maps each legacy form to its strict meaning and names it', () => {
    const cases: ReadonlyArray<readonly [string, string, readonly LegacyUrlForm[]]> = [
      ['/cat_100_100.JPG', '/cat_100_100.jpg', ['uppercase_extension']],
      ['/cat_100_100.Png', '/cat_100_100.png', ['uppercase_extension']],
      ['/cat_100_100.jfif', '/cat_100_100.jpg', ['jfif']],
      ['/cat_100_100_2x.JFIF', '/cat_100_100_2x.jpg', ['uppercase_extension', 'jfif']],
      ['/cat_100_100.jpg?quality=-1', '/cat_100_100.jpg', ['quality_minus_one']],
      ['/cat_100_100.jpg?quality=-1&fit=crop', '/cat_100_100.jpg?fit=crop', ['quality_minus_one']],
      ['/cat_100_100.jpg?allow_webp=true', '/cat_100_100.jpg?auto=format', ['allow_webp']],
      ['/cat_100_100.jpg?allow_webp=false', '/cat_100_100.jpg', ['allow_webp']],
      ['/cat_100_100.jpg?allow_webp=true&auto=format', '/cat_100_100.jpg?auto=format', ['allow_webp']],
      ['/cat.JPG?quality=-1&allow_webp=true', '/cat.jpg?auto=format', ['uppercase_extension', 'quality_minus_one', 'allow_webp']],
    ];
    for (const [legacy, strict, forms] of cases) {
      expect(canonicalOf(parse(legacy), legacy), legacy).to.deep.equal({ url: strict, forms });
    }
    const seen = new Set(cases.flatMap(([, , forms]) => forms));
    expect([...seen].sort()).to.deep.equal([...LEGACY_URL_FORMS].sort());
  });

  it('the strict dialect still refuses every legacy form', () => {
    for (const [url, part] of [
      ['/cat_100_100.JPG', 'format'],
      ['/cat_100_100.jfif', 'format'],
      ['/cat_100_100.jpg?quality=-1', 'quality'],
    ] as const) {
      const result = parse(url, { legacy: false });
      expect(result.kind, url).to.equal('invalid');
      if (result.kind === 'invalid') expect(result.error.part, url).to.equal(part);
    }
    // `allow_webp` is an unknown key to the strict grammar: ignored, as every unknown key is.
    expect(canonicalOf(parse('/cat_100_100.jpg?allow_webp=true', { legacy: false }), 'allow_webp')).to.deep.equal({ url: '/cat_100_100.jpg', forms: [] });
  });

  it('translates nothing else: what the strict grammar refuses stays refused', () => {
    for (const [url, part] of [
      ['/cat_100_100.bmp', 'format'],
      ['/cat_100_100.JPG?quality=-2', 'quality'],
      ['/ca..t_100_100.JFIF', 'id'],
      ['/cat_100_100.jpg?allow_webp=true&auto=yes', 'auto'],
    ] as const) {
      const result = parse(url);
      expect(result.kind, url).to.equal('invalid');
      if (result.kind === 'invalid') expect(result.error.part, url).to.equal(part);
    }
  });

  it('never throws and reports only known forms, for any path and query', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (tail, query) => {
        const result = ImageRequest.parse(`/${tail}`, query, DEFAULT_LIMITS, LEGACY);
        if (result.kind !== 'invalid') for (const form of result.legacyForms) expect(LEGACY_URL_FORMS).to.include(form);
      }),
      { numRuns: 2000 },
    );
  });
});
