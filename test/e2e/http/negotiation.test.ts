import { expect } from 'chai';
import sharp from 'sharp';
import { settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

const AVIF_WEBP = 'image/avif,image/webp,image/*,*/*;q=0.8';
const WEBP_ONLY = 'image/webp,image/*,*/*;q=0.8';

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly vary: string | null;
  readonly cache: string | null;
  readonly etag: string | null;
  /** What sharp decodes the body as (`heif` for AVIF), when there is a body. */
  readonly decoded: string | undefined;
  readonly location: string | null;
}

async function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method, headers, redirect: 'manual' });
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    vary: response.headers.get('vary'),
    cache: response.headers.get('x-cache'),
    etag: response.headers.get('etag'),
    decoded: bytes.length > 0 && response.status === 200 ? (await sharp(bytes).metadata()).format : undefined,
    location: response.headers.get('location'),
  };
}

describe('format negotiation (SPEC §2) over HTTP', function () {
  this.timeout(60_000);

  describe('with ?auto=format', () => {
    let service: TestService;
    let base: string;

    before(async () => {
      // 300x200 = 60,000 px is allowed AVIF; 400x400 → 400x267 = 106,800 px is above the limit.
      service = await startTestService({ formats: { avifMaxPixels: 100_000 } });
      base = service.url;
      await uploadOriginal(base, 'neg', await photo(1200, 800));
    });
    after(async () => service?.close());

    it('answers AVIF to a client that accepts AVIF, WebP to a WebP-only client, the requested format otherwise — always with Vary: Accept', async () => {
      const avif = await get(base, '/neg_300_0.jpg?auto=format', { Accept: AVIF_WEBP });
      expect(avif).to.deep.include({ status: 200, type: 'image/avif', vary: 'Accept', decoded: 'heif' });
      const webp = await get(base, '/neg_300_0.jpg?auto=format', { Accept: WEBP_ONLY });
      expect(webp).to.deep.include({ status: 200, type: 'image/webp', vary: 'Accept', decoded: 'webp' });
      const none = await get(base, '/neg_300_0.jpg?auto=format', { Accept: 'image/*,*/*;q=0.8' });
      expect(none).to.deep.include({ status: 200, type: 'image/jpeg', vary: 'Accept', decoded: 'jpeg' });
      const png = await get(base, '/neg_300_0.png?auto=format');
      expect(png).to.deep.include({ status: 200, type: 'image/png', vary: 'Accept', decoded: 'png' });
      // q=0 refuses a type.
      const refused = await get(base, '/neg_300_0.jpg?auto=format', { Accept: 'image/avif;q=0,image/webp' });
      expect(refused).to.deep.include({ type: 'image/webp', vary: 'Accept' });
    });

    it('keeps the requested format, without Vary, when negotiation is off or the format is not JPEG/PNG', async () => {
      const plain = await get(base, '/neg_300_0.jpg', { Accept: AVIF_WEBP });
      expect(plain).to.deep.include({ status: 200, type: 'image/jpeg', vary: null });
      const gif = await get(base, '/neg_300_0.gif?auto=format', { Accept: AVIF_WEBP });
      expect(gif).to.deep.include({ status: 200, type: 'image/gif', vary: null });
    });

    it('falls back to WebP above formats.avifMaxPixels', async () => {
      const large = await get(base, '/neg_400_400.jpg?auto=format', { Accept: AVIF_WEBP });
      expect(large).to.deep.include({ status: 200, type: 'image/webp', vary: 'Accept', decoded: 'webp' });
      const scaled = await get(base, '/neg_200_0_2x.jpg?auto=format', { Accept: AVIF_WEBP });
      expect(scaled).to.deep.include({ type: 'image/webp', vary: 'Accept' }); // 400x267 after the 2x
    });

    it('keys the cache by the chosen format: each client gets its own cached object, and every answer says Vary: Accept', async () => {
      const path = '/neg_250_0.jpg?auto=format&quality=60';
      const clients = { avif: { Accept: AVIF_WEBP }, webp: { Accept: WEBP_ONLY }, jpeg: {} as Record<string, string> };
      const misses = {
        avif: await get(base, path, clients.avif),
        webp: await get(base, path, clients.webp),
        jpeg: await get(base, path, clients.jpeg),
      };
      for (const [format, miss] of Object.entries(misses)) expect(miss, format).to.deep.include({ cache: 'MISS', type: `image/${format}`, vary: 'Accept' });
      expect(new Set(Object.values(misses).map((m) => m.etag)).size).to.equal(3);
      await settle(service);

      for (const [format, headers] of Object.entries(clients)) {
        const miss = misses[format as keyof typeof misses];
        const hit = await get(base, path, headers);
        expect(hit, format).to.deep.include({ status: 200, cache: 'HIT', type: `image/${format}`, vary: 'Accept', etag: miss.etag, decoded: miss.decoded });
        const head = await get(base, path, headers, 'HEAD');
        expect(head, `HEAD ${format}`).to.deep.include({ status: 200, cache: 'HIT', type: `image/${format}`, vary: 'Accept' });
        const notModified = await get(base, path, { ...headers, 'If-None-Match': miss.etag ?? '' });
        expect(notModified, `304 ${format}`).to.deep.include({ status: 304, vary: 'Accept', etag: miss.etag });
      }
      // An AVIF validator does not match for a WebP client: different representation, full answer.
      const crossed = await get(base, path, { ...clients.webp, 'If-None-Match': misses.avif.etag ?? '' });
      expect(crossed).to.deep.include({ status: 200, type: 'image/webp', vary: 'Accept' });
    });
  });

  describe('with formats.negotiate=true', () => {
    let service: TestService;
    let base: string;

    before(async () => {
      service = await startTestService({ formats: { negotiate: true }, delivery: { publicBaseUrl: 'https://cdn.example.test/renditions' } });
      base = service.url;
      await uploadOriginal(base, 'negcfg', await photo(800, 600));
    });
    after(async () => service?.close());

    it('negotiates without ?auto=format, and redirects each client to its own cached format with Vary: Accept', async () => {
      const avif = await get(base, '/negcfg_200_0.jpg', { Accept: AVIF_WEBP });
      expect(avif).to.deep.include({ status: 200, cache: 'MISS', type: 'image/avif', vary: 'Accept', decoded: 'heif' });
      const jpeg = await get(base, '/negcfg_200_0.jpg');
      expect(jpeg).to.deep.include({ status: 200, cache: 'MISS', type: 'image/jpeg', vary: 'Accept', decoded: 'jpeg' });
      await settle(service);

      const avifHit = await get(base, '/negcfg_200_0.jpg', { Accept: AVIF_WEBP });
      expect(avifHit).to.deep.include({ status: 303, cache: 'HIT', vary: 'Accept' });
      expect(avifHit.location).to.match(/^https:\/\/cdn\.example\.test\/renditions\/negcfg\/.+\.avif$/);
      const jpegHit = await get(base, '/negcfg_200_0.jpg');
      expect(jpegHit).to.deep.include({ status: 303, cache: 'HIT', vary: 'Accept' });
      expect(jpegHit.location).to.match(/\.jpg$/);
      const headHit = await get(base, '/negcfg_200_0.jpg', { Accept: AVIF_WEBP }, 'HEAD');
      expect(headHit).to.deep.include({ status: 303, vary: 'Accept', location: avifHit.location });
      // An explicitly requested modern format is not negotiated.
      const webp = await get(base, '/negcfg_200_0.webp', { Accept: AVIF_WEBP });
      expect(webp).to.deep.include({ status: 200, type: 'image/webp', vary: null });
    });
  });
});
