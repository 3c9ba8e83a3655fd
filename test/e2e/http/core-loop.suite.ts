import { request as httpRequest } from 'node:http';
import { expect } from 'chai';
import sharp from 'sharp';
import type { ImageId } from '../../../src/domain/image-id.js';
import { TOKENS } from '../../../src/infrastructure/di/tokens.js';
import { Gate } from '../../support/gate.js';
import { expectJsonError } from '../../support/json-error.js';
import { issueToken, settle, startTestService, tokenFor, upload, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { uniqueId } from '../../support/unique-id.js';

/** Sends a request with the path exactly as given (fetch would normalise `..` and `%2F` away). */
export function rawGet(base: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function photo(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 30 } } })
    .composite([{ input: { create: { width: Math.round(width / 2), height: Math.round(height / 2), channels: 3, background: { r: 20, g: 90, b: 220 } } }, top: 0, left: 0 }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * The end-to-end suite of the core loop over real HTTP on 127.0.0.1: filesystem stores, the chosen
 * index (SQLite or PostgreSQL) and sharp. Run once per index by the `*.test.ts` files beside it.
 */
/**
 * How the suite's stores deliver a cache hit: streamed by the service (`X-Cache: HIT`, 200), or a
 * redirect to the store itself (presigned URL or public base URL) that a plain HTTP client follows.
 */
export type HitDelivery = 'stream' | 'redirect';

/** Fetches a rendition expected to be a cache hit and returns its bytes, checking the delivery. */
async function fetchHit(base: string, path: string, delivery: HitDelivery): Promise<{ bytes: Buffer; etag: string | null }> {
  const response = await fetch(`${base}${path}`, { redirect: 'manual' });
  expect(response.headers.get('x-cache'), path).to.equal('HIT');
  if (delivery === 'stream') {
    expect(response.status).to.equal(200);
    return { bytes: Buffer.from(await response.arrayBuffer()), etag: response.headers.get('etag') };
  }
  expect(response.status).to.equal(303);
  const location = response.headers.get('location') ?? '';
  expect(location).to.match(/^https?:\/\//);
  const target = await fetch(location);
  expect(target.status, `GET ${location}`).to.equal(200);
  return { bytes: Buffer.from(await target.arrayBuffer()), etag: response.headers.get('etag') };
}

export function describeCoreLoop(label: string, overrides: () => Record<string, unknown> | undefined, delivery: HitDelivery = 'stream'): void {
  describe(`core loop over HTTP (${label})`, function () {
    this.timeout(60_000);
    let service: TestService;
    let base: string;

    before(async function () {
      const settings = overrides();
      if (settings === undefined) {
        this.skip();
        return;
      }
      service = await startTestService(settings);
      base = service.url;
    });
    after(async () => service?.close());

    it('walks through token → upload → GET a size → GET it again (hit) → 304', async () => {
      const id = uniqueId('walk_');
      const tokenResponse = await issueToken(base, id);
      expect(tokenResponse.status).to.equal(200);
      const issued = (await tokenResponse.json()) as { token: string; id: string; expiresAt: string };
      expect(issued.id).to.equal(id);
      expect(issued.token).to.match(/^[A-Za-z0-9_-]{22}$/);
      expect(Date.parse(issued.expiresAt)).to.be.greaterThan(Date.now());

      const uploaded = await upload(base, `${id}.jpg`, await photo(), issued.token);
      expect(uploaded.status).to.equal(201);
      expect(await uploaded.json()).to.deep.include({ status: 'OK', id, original_width: 1200, original_height: 800, format: 'jpeg' });

      const miss = await fetch(`${base}/${id}_300_300.jpg`);
      expect(miss.status).to.equal(200);
      expect(miss.headers.get('x-cache')).to.equal('MISS');
      expect(miss.headers.get('content-type')).to.equal('image/jpeg');
      expect(miss.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
      const etag = miss.headers.get('etag');
      expect(etag).to.match(/^"[0-9a-f]{16}-[0-9a-f]{32}"$/);
      const missBytes = Buffer.from(await miss.arrayBuffer());
      expect(Number(miss.headers.get('content-length'))).to.equal(missBytes.length);
      const meta = await sharp(missBytes).metadata();
      expect([meta.width, meta.height]).to.deep.equal([300, 200]);

      await settle(service);
      const hit = await fetchHit(base, `/${id}_300_300.jpg`, delivery);
      expect(hit.etag).to.equal(etag);
      expect(hit.bytes.equals(missBytes), 'the hit serves the bytes of the miss').to.equal(true);

      const notModified = await fetch(`${base}/${id}_300_300.jpg`, { headers: { 'If-None-Match': etag ?? '' } });
      expect(notModified.status).to.equal(304);
    });

    it('answers HEAD like GET without a body', async () => {
      const id = uniqueId('head_');
      await uploadOriginal(base, id, await photo(400, 400));
      const head = await rawGet(base, `/${id}_100_0.png`, 'HEAD');
      expect(head.status).to.equal(200);
      expect(head.headers['content-type']).to.equal('image/png');
      expect(Number(head.headers['content-length'])).to.be.greaterThan(0);
      expect(head.body).to.equal('');
      await settle(service);
      const hit = await fetchHit(base, `/${id}_100_0.png`, delivery);
      expect(String(hit.bytes.length)).to.equal(String(head.headers['content-length']));
    });

    it('renders every fit and format at the exact size the scaling maths gives', async () => {
      const id = uniqueId('fits_');
      await uploadOriginal(base, id, await photo(1200, 800));
      const cases: Array<[string, number, number]> = [
        [`/${id}_300_300.jpg`, 300, 200],
        [`/${id}_300_300.jpg?fit=crop`, 300, 300],
        [`/${id}_300_300.png?fit=canvas&bg=00ff00`, 300, 300],
        [`/${id}_300_300.webp?fit=cover`, 450, 300],
        [`/${id}_0_100.avif`, 150, 100],
        [`/${id}_150_0_2x.gif`, 300, 200],
        [`/${id}_100_100_1.5x.tiff?fit=crop&gravity=north`, 150, 150],
        [`/${id}.webp`, 1200, 800],
        [`/${id}_2400_0.jpg`, 2400, 1600],
        [`/${id}_120_80.jpg?blur=true&quality=40`, 120, 80],
      ];
      for (const [path, width, height] of cases) {
        const response = await fetch(`${base}${path}`);
        expect(response.status, path).to.equal(200);
        const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
        const format = /\.([a-z]+)(?:\?|$)/.exec(path)?.[1];
        expect(meta.format, path).to.equal(format === 'jpg' ? 'jpeg' : format === 'avif' ? 'heif' : format);
        expect([meta.width, meta.height], path).to.deep.equal([width, height]);
      }
    });

    it('redirects an oversized box to the largest allowed box with the same aspect ratio', async () => {
      const id = uniqueId('big_');
      const response = await fetch(`${base}/${id}_8000_6000.jpg?fit=crop`, { redirect: 'manual' });
      expect(response.status).to.equal(303);
      expect(response.headers.get('location')).to.equal(`/${id}_4096_3072.jpg?fit=crop`);
      expect(response.headers.get('x-redirect-info')).to.match(/exceeds/);
    });

    it('answers bad requests with a 4xx JSON error naming the part, never a 5xx', async () => {
      const id = uniqueId('bad_');
      await uploadOriginal(base, id, await photo(200, 200));
      expect((await expectJsonError(await fetch(`${base}/${id}_10_10.bmp`), 400, 'INVALID_REQUEST')).message).to.match(/jpg.*png.*webp/);
      expect((await expectJsonError(await fetch(`${base}/${id}_10_10.jpg?fit=stretch`), 400)).message).to.match(/fit/);
      expect((await expectJsonError(await fetch(`${base}/${id}_10_10.jpg?quality=0`), 400)).message).to.match(/quality/);
      expect((await expectJsonError(await fetch(`${base}/${id}_10_10.jpg?bg=red`), 400)).message).to.match(/bg/);
      expect((await expectJsonError(await fetch(`${base}/${id}_10_10_2.625x.jpg`), 400)).message).to.match(/scale/);
      await expectJsonError(await fetch(`${base}/${id}_10_10_9x.jpg`), 400);
      await expectJsonError(await fetch(`${base}/${id}`), 404);
      await expectJsonError(await fetch(`${base}/nobody_here_10_10.jpg`), 404, 'NOT_FOUND');
      const ignored = await fetch(`${base}/${id}_10_10.jpg?utm_source=x`);
      expect(ignored.status).to.equal(200);
    });

    it('never lets a path reach outside the stores', async () => {
      for (const path of ['/../../etc/passwd', '/..%2F..%2Fetc%2Fpasswd.jpg', '/a%2Fb_10_10.jpg', '/%2e%2e_10_10.jpg', '/a/b_10_10.jpg', '/.._10_10.jpg', '/a%00_1_1.jpg']) {
        const response = await rawGet(base, path);
        expect(response.status, path).to.be.within(400, 404);
        expect(JSON.parse(response.body).error.code, path).to.be.a('string');
      }
      const upload = await fetch(`${base}/..%2Fescape`, { method: 'POST' });
      expect(upload.status).to.be.within(400, 404);
    });

    it('enforces the token rules of SPEC §5', async () => {
      const id = uniqueId('tok_');
      const bytes = await photo(100, 100);
      await expectJsonError(await upload(base, id, bytes, undefined), 403, 'TOKEN_REJECTED');
      await expectJsonError(await upload(base, id, bytes, 'not-a-token'), 403, 'TOKEN_REJECTED');
      const token = await tokenFor(base, id);
      await expectJsonError(await upload(base, uniqueId('other_'), bytes, token), 403, 'TOKEN_REJECTED');
      // A failed upload leaves the token usable.
      await expectJsonError(await upload(base, id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), token), 415, 'UNSUPPORTED_IMAGE');
      const noImage = new FormData();
      noImage.set('file', new Blob([bytes]), 'x.jpg');
      await expectJsonError(await fetch(`${base}/${id}`, { method: 'POST', headers: { 'X-Token': token }, body: noImage }), 400, 'MISSING_IMAGE');
      expect((await upload(base, id, bytes, token)).status).to.equal(201);
      await expectJsonError(await upload(base, id, bytes, token), 403, 'TOKEN_REJECTED');
      // The id now has an original: no new token for it, and uploads are refused.
      await expectJsonError(await issueToken(base, id), 409, 'ORIGINAL_EXISTS');
      await expectJsonError(await issueToken(base, '../etc'), 400);
      const badJson = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":' });
      await expectJsonError(badJson, 400, 'INVALID_JSON');
    });

    it('refuses an upload over uploads.maxBytes with 413', async () => {
      const id = uniqueId('huge_');
      const token = await tokenFor(base, id);
      const big = Buffer.alloc(service.config.uploads.maxBytes + 1024 * 1024, 7);
      const response = await upload(base, id, big, token).catch((error: unknown) => error as Error);
      // The service may close the connection right after answering, before the body is sent.
      if (response instanceof Response) await expectJsonError(response, 413, 'PAYLOAD_TOO_LARGE');
      expect((await upload(base, id, await photo(50, 50), token)).status).to.equal(201);
    });

    it('deletes an original with its renditions and index rows', async () => {
      const id = uniqueId('del_');
      await uploadOriginal(base, id, await photo(300, 300));
      expect((await fetch(`${base}/${id}_50_50.jpg`)).status).to.equal(200);
      await settle(service);
      expect((await fetch(`${base}/${id}`, { method: 'DELETE' })).status).to.equal(204);
      await expectJsonError(await fetch(`${base}/${id}_50_50.jpg`), 404, 'NOT_FOUND');
      await expectJsonError(await fetch(`${base}/${id}`, { method: 'DELETE' }), 404, 'NOT_FOUND');
      expect((await issueToken(base, id)).status).to.equal(200);
    });

    it('a DELETE while a render of the image waits for its slot: the GET answers 404 and leaves no rendition behind (issue 10.6)', async () => {
      const id = uniqueId('racedel_');
      const bytes = await photo(400, 300);
      await uploadOriginal(base, id, bytes);
      // Every render slot taken, as by other renders: the GET waits for a slot, and reads its original only then.
      const gate = service.container.get(TOKENS.RenderGate);
      const slots = new Gate();
      slots.close();
      const held = Array.from({ length: service.config.render.concurrency }, () => gate.run(() => slots.wait(), 0));
      const pending = fetch(`${base}/${id}_120_90.png`);
      for (let polls = 0; gate.waiting === 0 && polls < 500; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(gate.waiting, 'the GET is waiting for a render slot').to.equal(1);

      expect((await fetch(`${base}/${id}`, { method: 'DELETE' })).status).to.equal(204);
      slots.open();
      await Promise.all(held);
      const answered = await pending;
      expect(answered.status).to.equal(404);
      expect(await answered.json()).to.have.nested.property('error.code', 'NOT_FOUND');
      await settle(service);
      expect(await service.container.get(TOKENS.CacheIndex).listRenditions(id as ImageId)).to.deep.equal([]);
      // The same bytes uploaded again are a new original: their first GET renders, it is not a hit on a leftover.
      await uploadOriginal(base, id, bytes);
      const again = await fetch(`${base}/${id}_120_90.png`, { redirect: 'manual' });
      expect(again.headers.get('x-cache')).to.equal('MISS');
      await again.arrayBuffer();
    });

    it('a DELETE while a render of the image runs: the GET still answers 200 and leaves no rendition behind (issue 10.6)', async () => {
      const gate = service.container.get(TOKENS.RenderGate);
      const bytes = await photo(3000, 2000);
      // The DELETE must land after the render has read its original and before its store: the render holds its slot
      // for about a second (a large blur), and the DELETE is sent 50 ms after the slot is taken, once libvips has
      // opened the original's file (ADR 0036: renders read it from there). If it still came first, the GET answers
      // 404 and nothing was raced: try again with a fresh id, a few times at most.
      for (let attempt = 1; attempt <= 4; attempt++) {
        const id = uniqueId('racerender');
        await uploadOriginal(base, id, bytes);
        const pending = fetch(`${base}/${id}_2000_2000.png?blur=40`);
        for (let polls = 0; gate.active === 0 && polls < 1000; polls++) await new Promise((resolve) => setTimeout(resolve, 2));
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await fetch(`${base}/${id}`, { method: 'DELETE' })).status).to.equal(204);
        const answered = await pending;
        const body = Buffer.from(await answered.arrayBuffer());
        await settle(service);
        if (answered.status === 404) continue;
        expect([answered.status, answered.headers.get('x-cache')]).to.deep.equal([200, 'MISS']);
        expect(body.length).to.be.greaterThan(0);
        const [version, fingerprint] = (answered.headers.get('etag') ?? '').replaceAll('"', '').split('-');
        expect(await service.container.get(TOKENS.RenditionCache).open(`${id}/${version}/${fingerprint}.png`)).to.equal(undefined);
        expect(await service.container.get(TOKENS.CacheIndex).listRenditions(id as ImageId)).to.deep.equal([]);
        return;
      }
      expect.fail('the DELETE reached the original before the render read it in every attempt: nothing was raced');
    });

    it('?bg=000001 then ?bg=000002 on an opaque original is one rendition (a hit); on a transparent PNG as JPEG, two (issue 10.7)', async () => {
      const opaque = uniqueId('bgopaque');
      await uploadOriginal(base, opaque, await photo(400, 300));
      const first = await fetch(`${base}/${opaque}_200_200.png?bg=000001`);
      expect([first.status, first.headers.get('x-cache')]).to.deep.equal([200, 'MISS']);
      await first.arrayBuffer();
      await settle(service);
      const second = await fetch(`${base}/${opaque}_200_200.png?bg=000002`, { redirect: 'manual' });
      expect(second.headers.get('x-cache')).to.equal('HIT');
      expect(second.headers.get('etag')).to.equal(first.headers.get('etag'));
      await second.arrayBuffer();

      const transparent = uniqueId('bgalpha');
      const png = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
      await uploadOriginal(base, transparent, png);
      const etags: Array<string | null> = [];
      for (const bg of ['000001', '000002']) {
        const answer = await fetch(`${base}/${transparent}_150_100.jpg?bg=${bg}`, { redirect: 'manual' });
        expect(answer.headers.get('x-cache'), bg).to.equal('MISS');
        etags.push(answer.headers.get('etag'));
        await answer.arrayBuffer();
        await settle(service);
      }
      expect(etags[0]).to.not.equal(etags[1]);
    });

    it('a stored rendition truncated behind the service\'s back is not served as a hit: rendered again and replaced (issue 10.8)', async () => {
      const id = uniqueId('trunc');
      await uploadOriginal(base, id, await photo(400, 300));
      const miss = await fetch(`${base}/${id}_200_150.png?proxy=true`);
      const whole = Buffer.from(await miss.arrayBuffer());
      await settle(service);
      const [version, fingerprint] = (miss.headers.get('etag') ?? '').replaceAll('"', '').split('-');
      const key = `${id}/${version}/${fingerprint}.png`;
      const cache = service.container.get(TOKENS.RenditionCache);
      await cache.put(key, whole.subarray(0, Math.floor(whole.length / 2)), 'image/png');

      const damaged = await fetch(`${base}/${id}_200_150.png?proxy=true`);
      expect([damaged.status, damaged.headers.get('x-cache')]).to.deep.equal([200, 'MISS']);
      expect(Buffer.from(await damaged.arrayBuffer()).equals(whole)).to.equal(true);
      await settle(service);
      const hit = await fetch(`${base}/${id}_200_150.png?proxy=true`);
      expect([hit.status, hit.headers.get('x-cache')]).to.deep.equal([200, 'HIT']);
      expect(Buffer.from(await hit.arrayBuffer()).equals(whole), 'the damaged object was replaced').to.equal(true);
    });

    it('serves operations endpoints', async () => {
      expect(await (await fetch(`${base}/healthz`)).json()).to.deep.equal({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.include({ status: 'ok' });
      expect(await (await fetch(`${base}/robots.txt`)).text()).to.contain('Disallow: /');
      expect((await fetch(`${base}/favicon.ico`)).status).to.equal(404);
    });
  });
}
