import { createImage } from '@nuxt/image/runtime';
import { transformBaseImageProps } from '@unpic/core/base';
import { expect } from 'chai';
import fc from 'fast-check';
import sharp, { type FitEnum } from 'sharp';
import astroService, { type AstroImageConfig } from '../../packages/client/src/astro.js';
import { createNextLoader } from '../../packages/client/src/next.js';
import { getImage } from '../../packages/client/src/nuxt.js';
import { createUnpicTransformer } from '../../packages/client/src/unpic.js';
import { InvalidRequestError } from '../../src/domain/domain-error.js';
import { ImageRequest } from '../../src/domain/image-request.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import { photo } from '../e2e/http/core-loop.suite.js';
import { startTestService, uploadOriginal, type TestService } from '../support/service-harness.js';
import { splitUrl } from '../unit/domain/domain-arbitraries.js';

const BASE = 'https://img.example.com';

/** The request the service parses out of a loader's URL (which must start with `BASE`). */
function parsed(url: string): ImageRequest {
  expect(url.startsWith(`${BASE}/`), url).to.equal(true);
  const { path, query } = splitUrl(url.slice(BASE.length));
  const result = ImageRequest.parse(path, query, DEFAULT_LIMITS);
  // A redirect (a box beyond the limits) is an answer too; only a refusal is a broken URL.
  if (result.kind === 'invalid') expect.fail(`${url} does not parse: ${result.error.message}`);
  return result.request;
}

function srcsetUrls(srcset: string): Array<[url: string, descriptor: string]> {
  return srcset.split(/,\s+/).map((candidate) => candidate.trim().split(/\s+/) as [string, string]);
}

function refusal(build: () => unknown): InvalidRequestError {
  try {
    build();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  return expect.fail('expected an InvalidRequestError');
}

describe('client package: framework loaders', () => {
  describe('Nuxt Image provider (run by @nuxt/image’s own createImage)', () => {
    const $img = createImage({
      provider: 'lir',
      providers: { lir: { setup: () => ({ getImage }), defaults: { baseURL: BASE } } },
      presets: {},
      screens: { sm: 640, md: 768, lg: 1024 },
      densities: [1, 2],
      domains: [],
      alias: {},
    } as never);

    it('translates Nuxt’s fits (sharp’s words) into the service’s, defaulting to crop as Nuxt’s cover', () => {
      const fitOf = (fit?: string): string => parsed($img('/holiday-01', { width: 300, height: 200, ...(fit === undefined ? {} : { fit }) })).fit;
      expect([undefined, 'cover', 'contain', 'inside', 'outside'].map(fitOf)).to.deep.equal(['crop', 'crop', 'canvas', 'clip', 'cover']);
      expect(refusal(() => $img('holiday-01', { width: 300, height: 200, fit: 'fill' })).part).to.equal('fit');
    });

    it('builds the srcset of `sizes` and densities through the provider, every candidate a valid URL of its width', () => {
      const { srcset, sizes } = $img.getSizes('holiday-01', { sizes: 'sm:100vw md:50vw', modifiers: { width: 400, height: 300, format: 'webp', quality: 70 } });
      expect(sizes).to.equal('(max-width: 767px) 100vw, 50vw'); // Nuxt's own reading of `sm:100vw md:50vw`
      const candidates = srcsetUrls(srcset);
      expect(candidates.length).to.be.greaterThan(2);
      for (const [url, descriptor] of candidates) {
        const request = parsed(url);
        expect([`${request.box().width}w`, request.format, request.quality, request.fit]).to.deep.equal([descriptor, 'webp', 70, 'crop']);
      }
      expect(parsed($img('holiday-01', { width: 300, background: '#102030', fit: 'contain', height: 300 })).toUrl()).to.equal('/holiday-01_300_300.jpg?fit=canvas&bg=102030&auto=format');
    });
  });

  describe('unpic transformer (run by @unpic/core’s own image props)', () => {
    const transformer = createUnpicTransformer({ baseUrl: BASE, format: 'webp' });

    it('gives src and every srcset breakpoint as service URLs that crop to the layout box', () => {
      const props = transformBaseImageProps({ src: 'holiday-01', width: 800, height: 600, layout: 'constrained', transformer } as never) as { src: string; srcset: string };
      expect(parsed(props.src).toUrl()).to.equal('/holiday-01_800_600.webp?fit=crop');
      const candidates = srcsetUrls(props.srcset);
      expect(candidates.map(([, descriptor]) => descriptor)).to.include.members(['800w', '1600w']);
      for (const [url, descriptor] of candidates) {
        const { width, height } = parsed(url).box();
        expect(`${width}w`).to.equal(descriptor);
        expect(Math.abs(width / height - 800 / 600)).to.be.lessThan(0.01);
      }
    });

    it('translates fits as unpic’s IPX provider names them, and takes the service’s own options', () => {
      const fitOf = (fit: string): string => parsed(transformer('holiday-01', { width: 300, height: 200, fit })).fit;
      expect(['cover', 'contain', 'inside', 'outside'].map(fitOf)).to.deep.equal(['crop', 'canvas', 'clip', 'cover']);
      expect(parsed(transformer(new URL(`${BASE}/holiday-01`), { width: 64, height: 64, gravity: 'attention', format: 'auto' })).toUrl()).to.equal('/holiday-01_64_64.jpg?fit=crop&gravity=attention&auto=format');
      expect(refusal(() => transformer('holiday-01', { width: 300, height: 200, fit: 'fill' })).message).to.match(/stretches/);
    });
  });

  describe('Next.js loader (the documented loader contract: next is not installed here)', () => {
    // Next's defaults (images.imageSizes + images.deviceSizes): the widths it asks a loader for.
    const NEXT_WIDTHS = [16, 32, 48, 64, 96, 128, 256, 384, 640, 750, 828, 1080, 1200, 1920, 2048, 3840];
    const loader = createNextLoader({ baseUrl: BASE });

    it('answers every width Next asks for with a URL of that width, the height following the aspect ratio', () => {
      for (const width of NEXT_WIDTHS) {
        const request = parsed(loader({ src: '/holiday-01', width, quality: 75 }));
        expect([request.box().width, request.box().height, request.quality, request.autoFormat]).to.deep.equal([width, 0, 75, true]);
      }
      // Next warns about a loader "that does not implement width" when its URL is the src itself.
      expect(new Set(NEXT_WIDTHS.map((width) => loader({ src: 'holiday-01', width }))).size).to.equal(NEXT_WIDTHS.length);
    });

    it('keeps a configured format and options for every width', () => {
      const webp = createNextLoader({ baseUrl: BASE, format: 'webp', blur: 2 });
      expect(parsed(webp({ src: 'holiday-01', width: 640 })).toUrl()).to.equal('/holiday-01_640_0.webp?blur=2');
    });
  });

  describe('Astro image service (the documented service contract: astro is not installed here)', () => {
    const config: AstroImageConfig = { service: { config: { baseUrl: BASE } } };

    it('gives src, a widths srcset and a densities srcset as Astro asks for them (getURL of every getSrcSet transform)', () => {
      const options = { src: 'holiday-01', width: 400, height: 300, fit: 'cover', position: 'top', quality: 'high', format: 'avif', alt: 'Holiday', class: 'hero' };
      expect(parsed(astroService.getURL(options, config)).toUrl()).to.equal('/holiday-01_400_300.avif?fit=crop&gravity=north&quality=80');
      const widths = astroService.getSrcSet({ ...options, widths: [200, 800] }, config);
      expect(widths.map(({ transform, descriptor }) => [parsed(astroService.getURL(transform, config)).box(), descriptor])).to.deep.equal([
        [{ width: 200, height: 150 }, '200w'],
        [{ width: 800, height: 600 }, '800w'],
      ]);
      const densities = astroService.getSrcSet({ ...options, densities: [1, '2x', 9] }, config);
      expect(densities.map(({ transform, descriptor }) => [astroService.getURL(transform, config).slice(BASE.length), descriptor])).to.deep.equal([
        ['/holiday-01_400_300.avif?fit=crop&gravity=north&quality=80', '1x'],
        ['/holiday-01_400_300_2x.avif?fit=crop&gravity=north&quality=80', '2x'],
      ]);
      expect(astroService.getHTMLAttributes(options)).to.deep.equal({ width: 400, height: 300, alt: 'Holiday', class: 'hero', loading: 'lazy', decoding: 'async' });
    });

    it('translates CSS object-fit as Astro’s own sharp service does, and refuses what it cannot serve', () => {
      const fitOf = (fit?: string): string => parsed(astroService.getURL({ src: 'holiday-01', width: 300, height: 200, fit }, config)).fit;
      expect([undefined, 'cover', 'contain', 'scale-down', 'none'].map(fitOf)).to.deep.equal(['crop', 'crop', 'clip', 'clip', 'cover']);
      expect(refusal(() => astroService.getURL({ src: 'holiday-01', width: 300, height: 200, fit: 'fill' }, config)).part).to.equal('fit');
      expect(() => astroService.getURL({ src: { src: '/_astro/local.png' }, width: 300 }, config)).to.throw(/serves images by id/);
    });
  });

  it('every loader builds only URLs the service parses, for any box and fit in their words', () => {
    const nextLoader = createNextLoader({ baseUrl: BASE });
    const unpic = createUnpicTransformer({ baseUrl: BASE });
    const side = fc.integer({ min: 1, max: DEFAULT_LIMITS.maxWidth });
    fc.assert(
      fc.property(side, side, fc.constantFrom('cover', 'contain', 'inside', 'outside'), fc.constantFrom('cover', 'contain', 'scale-down', 'none'), (width, height, sharpFit, cssFit) => {
        parsed(nextLoader({ src: 'a', width }));
        parsed(getImage('/a', { modifiers: { width, height, fit: sharpFit }, baseURL: BASE }).url);
        parsed(unpic('a', { width, height, fit: sharpFit }));
        parsed(astroService.getURL({ src: 'a', width, height, fit: cssFit }, { service: { config: { baseUrl: BASE } } }));
      }),
      { numRuns: 200 },
    );
  });

  describe('against the running service: a translated fit renders the size the framework’s own word means in sharp', function () {
    this.timeout(60_000);
    let service: TestService;

    before(async () => {
      service = await startTestService();
      await uploadOriginal(service.url, 'landscape', await photo(1200, 800));
    });
    after(() => service.close());

    async function renderedSize(url: string): Promise<[number | undefined, number | undefined]> {
      const response = await fetch(`${service.url}${url.slice(BASE.length)}`);
      expect(response.status, url).to.equal(200);
      const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      return [width, height];
    }

    async function sharpSize(fit: keyof FitEnum): Promise<[number | undefined, number | undefined]> {
      const { info } = await sharp(await photo(1200, 800)).resize(300, 300, { fit }).toBuffer({ resolveWithObject: true });
      return [info.width, info.height];
    }

    it('Nuxt and unpic (sharp/IPX words) and Astro (CSS words, mapped as Astro maps them onto sharp)', async () => {
      const unpic = createUnpicTransformer({ baseUrl: BASE, format: 'png' });
      for (const fit of ['cover', 'contain', 'inside', 'outside'] as const) {
        const expected = await sharpSize(fit);
        expect(await renderedSize(getImage('landscape', { modifiers: { width: 300, height: 300, fit, format: 'png' }, baseURL: BASE }).url), `nuxt ${fit}`).to.deep.equal(expected);
        expect(await renderedSize(unpic('landscape', { width: 300, height: 300, fit })), `unpic ${fit}`).to.deep.equal(expected);
      }
      const astroToSharp = { cover: 'cover', contain: 'inside', 'scale-down': 'inside', none: 'outside' } as const;
      for (const [fit, sharpFit] of Object.entries(astroToSharp)) {
        const url = astroService.getURL({ src: 'landscape', width: 300, height: 300, fit, format: 'png' }, { service: { config: { baseUrl: BASE } } });
        expect(await renderedSize(url), `astro ${fit}`).to.deep.equal(await sharpSize(sharpFit));
      }
    });
  });
});
