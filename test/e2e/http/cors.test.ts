import { expect } from 'chai';
import { settle, startTestService, tokenFor, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

const PAGE = 'https://www.example.com';
const STRANGER = 'https://elsewhere.example';
const EXPOSED = 'ETag, X-Cache, X-Redirect-Info, Retry-After';

interface Seen {
  readonly status: number;
  readonly allowOrigin: string | null;
  readonly vary: string | null;
  readonly headers: Headers;
}

async function call(base: string, path: string, init: RequestInit & { origin?: string } = {}): Promise<Seen> {
  const { origin, headers, ...rest } = init;
  const response = await fetch(`${base}${path}`, { redirect: 'manual', ...rest, headers: { ...(origin && { origin }), ...(headers as Record<string, string>) } });
  await response.arrayBuffer();
  return { status: response.status, allowOrigin: response.headers.get('access-control-allow-origin'), vary: response.headers.get('vary'), headers: response.headers };
}

function preflight(base: string, path: string, origin: string, method: string, requestHeaders?: string): Promise<Seen> {
  const headers: Record<string, string> = { 'access-control-request-method': method };
  if (requestHeaders !== undefined) headers['access-control-request-headers'] = requestHeaders;
  return call(base, path, { method: 'OPTIONS', origin, headers });
}

function uploadForm(bytes: Uint8Array): FormData {
  const form = new FormData();
  form.set('image', new Blob([bytes]), 'photo.jpg');
  return form;
}

/** Every answer a page may read carries these; Vary: Origin also on answers it may not read, so caches keep them apart. */
function expectReadable(seen: Seen, origin: string, label: string): void {
  expect(seen.allowOrigin, label).to.equal(origin);
  expect(seen.headers.get('access-control-expose-headers'), label).to.equal(EXPOSED);
  if (origin !== '*') expect(seen.vary, label).to.match(/\bOrigin\b/);
}

describe('CORS for pages on other origins (SPEC §7)', function () {
  this.timeout(30_000);
  let service: TestService;
  let bytes: Buffer;

  before(async () => {
    bytes = await photo(64, 48);
    service = await startTestService({ cors: { allowedOrigins: [PAGE] }, uploads: { maxBytes: 32 * 1024 } });
    await uploadOriginal(service.url, 'cors_pic', bytes);
  });
  after(async () => service?.close());

  describe('preflight', () => {
    it('answers an upload preflight with X-Token from an allowed origin with 204 and what the browser needs', async () => {
      const seen = await preflight(service.url, '/cors_new.jpg', PAGE, 'POST', 'x-token');
      expect(seen.status).to.equal(204);
      expect(seen.allowOrigin).to.equal(PAGE);
      expect(seen.headers.get('access-control-allow-methods')).to.equal('POST');
      expect(seen.headers.get('access-control-allow-headers')).to.equal('X-Token');
      expect(Number(seen.headers.get('access-control-max-age'))).to.be.greaterThan(0);
      expect(seen.vary).to.match(/\bOrigin\b/);
    });

    it('answers an image-read preflight from an allowed origin', async () => {
      const seen = await preflight(service.url, '/cors_pic_32_24.jpg', PAGE, 'GET');
      expect([seen.status, seen.allowOrigin, seen.headers.get('access-control-allow-methods')]).to.deep.equal([204, PAGE, 'GET, HEAD']);
    });

    it('refuses a preflight from an origin not in the list with 403 JSON and no CORS header', async () => {
      const seen = await call(service.url, '/cors_new', { method: 'OPTIONS', origin: STRANGER, headers: { 'access-control-request-method': 'POST' } });
      expect(seen.status).to.equal(403);
      expect(seen.allowOrigin).to.equal(null);
    });

    it('never answers CORS for /token, DELETE or the probes, even to an allowed origin', async () => {
      const token = await preflight(service.url, '/token', PAGE, 'POST', 'content-type');
      expect([token.status, token.allowOrigin]).to.deep.equal([404, null]);
      const probe = await preflight(service.url, '/healthz', PAGE, 'GET');
      expect([probe.status, probe.allowOrigin]).to.deep.equal([404, null]);
      const remove = await preflight(service.url, '/cors_pic', PAGE, 'DELETE');
      expect([remove.status, remove.allowOrigin]).to.deep.equal([403, null]);
    });
  });

  describe('uploads', () => {
    it('lets an allowed page read the 201', async () => {
      const seen = await call(service.url, '/cors_up', { method: 'POST', origin: PAGE, headers: { 'X-Token': await tokenFor(service.url, 'cors_up') }, body: uploadForm(bytes) });
      expect(seen.status).to.equal(201);
      expectReadable(seen, PAGE, '201');
    });

    it('lets an allowed page read the refusals too: 403 bad token, 413 too large', async () => {
      const refused = await call(service.url, '/cors_bad', { method: 'POST', origin: PAGE, headers: { 'X-Token': 'not-a-token' }, body: uploadForm(bytes) });
      expect(refused.status).to.equal(403);
      expectReadable(refused, PAGE, '403');
      const large = await call(service.url, '/cors_large', {
        method: 'POST',
        origin: PAGE,
        headers: { 'X-Token': await tokenFor(service.url, 'cors_large') },
        body: uploadForm(Buffer.alloc(200 * 1024, 1)),
      });
      expect(large.status).to.equal(413);
      expectReadable(large, PAGE, '413');
    });

    it('gives a page on another origin nothing to read', async () => {
      const seen = await call(service.url, '/cors_other', { method: 'POST', origin: STRANGER, headers: { 'X-Token': 'not-a-token' }, body: uploadForm(bytes) });
      expect([seen.status, seen.allowOrigin]).to.deep.equal([403, null]);
      expect(seen.vary).to.match(/\bOrigin\b/);
    });
  });

  describe('image reads', () => {
    it('lets an allowed page read every kind of answer: miss, hit, 304, oversized redirect, 400, 404', async () => {
      const miss = await call(service.url, '/cors_pic_32_24.jpg', { origin: PAGE });
      expect(miss.status).to.equal(200);
      expectReadable(miss, PAGE, 'miss');
      await settle(service);
      const hit = await call(service.url, '/cors_pic_32_24.jpg', { origin: PAGE });
      expect(hit.headers.get('x-cache')).to.equal('HIT');
      expectReadable(hit, PAGE, 'hit');
      const revalidated = await call(service.url, '/cors_pic_32_24.jpg', { origin: PAGE, headers: { 'if-none-match': hit.headers.get('etag')! } });
      expect(revalidated.status).to.equal(304);
      expectReadable(revalidated, PAGE, '304');
      const redirected = await call(service.url, '/cors_pic_9000_9000.jpg', { origin: PAGE });
      expect(redirected.status).to.equal(303);
      expectReadable(redirected, PAGE, 'redirect');
      const invalid = await call(service.url, '/cors_pic_32_24.bmp', { origin: PAGE });
      expect(invalid.status).to.equal(400);
      expectReadable(invalid, PAGE, '400');
      const missing = await call(service.url, '/nobody_32_24.jpg', { origin: PAGE });
      expect(missing.status).to.equal(404);
      expectReadable(missing, PAGE, '404');
    });

    it('marks images embeddable by pages with COEP (Cross-Origin-Resource-Policy: cross-origin)', async () => {
      const seen = await call(service.url, '/cors_pic_32_24.jpg');
      expect(seen.headers.get('cross-origin-resource-policy')).to.equal('cross-origin');
    });

    it('names no origin to a page not in the list, and keeps Vary: Origin so caches keep the answers apart', async () => {
      const seen = await call(service.url, '/cors_pic_32_24.jpg', { origin: STRANGER });
      expect([seen.status, seen.allowOrigin]).to.deep.equal([200, null]);
      expect(seen.vary).to.match(/\bOrigin\b/);
    });

    it('keeps Vary: Accept beside Vary: Origin when the format is negotiated', async () => {
      const seen = await call(service.url, '/cors_pic_32_24.jpg?auto=format', { origin: PAGE, headers: { accept: 'image/webp' } });
      expect(seen.vary?.split(/,\s*/).sort()).to.deep.equal(['Accept', 'Origin']);
    });
  });

  describe('back-end routes', () => {
    it('answer no CORS to an allowed origin: POST /token and DELETE', async () => {
      const token = await call(service.url, '/token', { method: 'POST', origin: PAGE, headers: { 'content-type': 'application/json' }, body: '{"id":"cors_token"}' });
      expect([token.status, token.allowOrigin]).to.deep.equal([200, null]);
      const remove = await call(service.url, '/nobody_here', { method: 'DELETE', origin: PAGE });
      expect([remove.status, remove.allowOrigin]).to.deep.equal([404, null]);
    });
  });
});

describe('CORS with * (image reads from any page, uploads only from named ones)', function () {
  this.timeout(30_000);
  let service: TestService;

  before(async () => {
    service = await startTestService({ cors: { allowedOrigins: ['*', PAGE] } });
    await uploadOriginal(service.url, 'star_pic', await photo(64, 48));
  });
  after(async () => service?.close());

  it('answers image reads with Access-Control-Allow-Origin: *', async () => {
    const seen = await call(service.url, '/star_pic_32_24.jpg', { origin: STRANGER });
    expect(seen.status).to.equal(200);
    expectReadable(seen, '*', 'read');
    expect((await preflight(service.url, '/star_pic_32_24.jpg', STRANGER, 'GET')).allowOrigin).to.equal('*');
  });

  it('still lets only the named origin upload', async () => {
    expect((await preflight(service.url, '/star_new', STRANGER, 'POST', 'x-token')).status).to.equal(403);
    expect((await preflight(service.url, '/star_new', PAGE, 'POST', 'x-token')).allowOrigin).to.equal(PAGE);
    const seen = await call(service.url, '/star_new', { method: 'POST', origin: STRANGER, headers: { 'X-Token': 'x' }, body: uploadForm(Buffer.from('x')) });
    expect([seen.status, seen.allowOrigin]).to.deep.equal([403, null]);
  });
});

describe('CORS by default (no origins configured)', function () {
  this.timeout(30_000);
  let service: TestService;

  before(async () => {
    service = await startTestService();
  });
  after(async () => service?.close());

  it('answers no CORS and adds no Vary: Origin', async () => {
    const seen = await call(service.url, '/nobody_32_24.jpg', { origin: PAGE });
    expect([seen.status, seen.allowOrigin, seen.vary]).to.deep.equal([404, null, null]);
    expect((await preflight(service.url, '/nobody', PAGE, 'POST', 'x-token')).status).to.equal(403);
  });
});
