import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { createImageService, createUrlSigner, type ImageService } from '../../../src/infrastructure/embed.js';
import { OpenApiValidator } from '../../support/openapi-validator.js';
import { REPO_ROOT, settle, startTestService, tokenFor, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

const SECRET = 'a-shared-secret-of-some-length';

function form(field: string, bytes: Uint8Array): FormData {
  const body = new FormData();
  body.set(field, new Blob([bytes]), 'upload.bin');
  return body;
}

function errorCode(response: { json: () => unknown }): string {
  return (response.json() as { error: { code: string } }).error.code;
}

/**
 * Real responses of every documented route and status, each validated against docs/openapi.yaml (status,
 * content type, headers, body schema); the last test fails when a documented status was never produced.
 */
describe('docs/openapi.yaml against real responses', function () {
  this.timeout(60_000);
  const api = new OpenApiValidator();
  let main: TestService;
  let guarded: TestService;
  let slow: TestService;
  let down: { service: ImageService; server: Server; url: string };
  let photoBytes: Buffer;

  before(async () => {
    photoBytes = await photo(1200, 800);
    main = await startTestService({ uploads: { maxBytes: 64 * 1024 } });
    await uploadOriginal(main.url, 'doc', photoBytes);
    // /token and DELETE for callers outside tokens.allowFrom, or without the secret.
    guarded = await startTestService({ tokens: { allowFrom: ['10.0.0.0/8'], secret: SECRET } });
    // A render time limit no render can meet, on data stored while the limit was a normal one.
    const seeding = await startTestService();
    await uploadOriginal(seeding.url, 'slow', await photo(1600, 1000));
    await seeding.stop();
    slow = await startTestService({ dataDir: seeding.config.dataDir, render: { timeoutMs: 1 } });
    // An index nobody answers at (nothing listens on port 1), built without running its migrations.
    const service = createImageService({
      index: { driver: 'postgres', url: 'postgres://postgres@127.0.0.1:1/nothing' },
      originals: { driver: 'memory' },
      renditions: { driver: 'memory' },
      log: { level: 'silent' },
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = createServer(service.app).listen(0, '127.0.0.1', () => resolve(listening));
    });
    down = { service, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  });

  after(async () => {
    await main?.close();
    await guarded?.close();
    await slow?.close();
    if (slow) rmSync(slow.config.dataDir, { recursive: true, force: true });
    if (down) {
      await new Promise((resolve) => down.server.close(resolve));
      await down.service.close();
    }
  });

  it('documents exactly the error codes of the HTTP adapter’s error table', () => {
    const table = readFileSync(path.join(REPO_ROOT, 'src/adapters/http/error-table.ts'), 'utf8');
    const codes = [...table.matchAll(/^\s+([A-Z_]+): \{ status:/gm)].map((m) => m[1]);
    const schemas = (api.document.components as { schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } } }).schemas;
    expect(codes.length).to.be.greaterThan(10);
    expect([...schemas.Error.properties.error.properties.code.enum].sort()).to.deep.equal([...codes, 'INTERNAL'].sort());
  });

  it('operations: /healthz, /readyz, /metrics, /robots.txt, /favicon.ico', async () => {
    expect((await api.fetch(main.url, '/healthz')).status).to.equal(200);
    expect((await api.fetch(main.url, '/readyz')).status).to.equal(200);
    expect((await api.fetch(down.url, '/readyz')).status).to.equal(503);
    expect((await api.fetch(main.url, '/metrics')).status).to.equal(200);
    expect((await api.fetch(main.url, '/robots.txt')).status).to.equal(200);
    expect((await api.fetch(main.url, '/favicon.ico')).status).to.equal(404);
  });

  it('POST /token: 200, 400, 401, 403, 409, 413, 503', async () => {
    const post = (base: string, body: string, headers: Record<string, string> = {}) =>
      api.fetch(base, '/token', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post(main.url, '{"id":"fresh"}')).status).to.equal(200);
    expect(errorCode(await post(main.url, '{"id":'))).to.equal('INVALID_JSON');
    expect(errorCode(await post(main.url, '{"id":"a/b"}'))).to.equal('INVALID_JSON');
    expect(errorCode(await post(guarded.url, '{"id":"x"}'))).to.equal('UNAUTHORIZED');
    expect(errorCode(await post(guarded.url, '{"id":"x"}', { authorization: `Bearer ${SECRET}` }))).to.equal('FORBIDDEN');
    expect(errorCode(await post(main.url, '{"id":"doc"}'))).to.equal('ORIGINAL_EXISTS');
    expect(errorCode(await post(main.url, JSON.stringify({ id: 'x', padding: 'x'.repeat(8000) })))).to.equal('PAYLOAD_TOO_LARGE');
    expect(errorCode(await post(down.url, '{"id":"x"}'))).to.equal('INDEX_UNAVAILABLE');
  });

  it('POST /{file} (upload): 201, 400, 403, 409, 413, 415, 503, 504', async () => {
    const post = (base: string, file: string, token: string, body: FormData) => api.fetch(base, `/${file}`, { method: 'POST', headers: { 'X-Token': token }, body });
    expect((await post(main.url, 'up.jpg', await tokenFor(main.url, 'up'), form('image', photoBytes))).status).to.equal(201);
    expect(errorCode(await post(main.url, 'nofile', await tokenFor(main.url, 'nofile'), form('other', photoBytes)))).to.equal('MISSING_IMAGE');
    expect(errorCode(await post(main.url, 'x', 'not-a-token', form('image', photoBytes)))).to.equal('TOKEN_REJECTED');
    const [first, second] = [await tokenFor(main.url, 'twice'), await tokenFor(main.url, 'twice')];
    expect((await post(main.url, 'twice', first, form('image', photoBytes))).status).to.equal(201);
    expect(errorCode(await post(main.url, 'twice', second, form('image', photoBytes)))).to.equal('ORIGINAL_EXISTS');
    expect(errorCode(await post(main.url, 'big', await tokenFor(main.url, 'big'), form('image', randomBytes(200 * 1024))))).to.equal('PAYLOAD_TOO_LARGE');
    expect(errorCode(await post(main.url, 'text', await tokenFor(main.url, 'text'), form('image', Buffer.from('plain text, not an image'))))).to.equal('UNSUPPORTED_IMAGE');
    expect(errorCode(await post(down.url, 'x', 'any-token', form('image', photoBytes)))).to.equal('INDEX_UNAVAILABLE');
    // 24 MP: its decode outlasts the 1 ms limit by far, even when a loaded machine delivers the timer late.
    expect(errorCode(await post(slow.url, 'late', await tokenFor(slow.url, 'late'), form('image', await photo(6000, 4000))))).to.equal('RENDER_TIMEOUT');
  });

  it('GET /{file}: 200 (miss and hit), 303, 304, 400, 404, 422, 503, 504', async () => {
    const miss = await api.fetch(main.url, '/doc_300_0.webp?fit=clip&auto=format', { headers: { accept: 'image/avif' } });
    expect([miss.status, miss.headers.get('x-cache'), miss.headers.get('content-type')]).to.deep.equal([200, 'MISS', 'image/webp']);
    const negotiated = await api.fetch(main.url, '/doc_300_0.jpg?auto=format', { headers: { accept: 'image/avif' } });
    expect([negotiated.status, negotiated.headers.get('content-type'), negotiated.headers.get('vary')]).to.deep.equal([200, 'image/avif', 'Accept']);
    for (const format of ['jpg', 'png', 'gif', 'tiff']) expect((await api.fetch(main.url, `/doc_40_40.${format}`)).status, format).to.equal(200);
    await settle(main);
    const hit = await api.fetch(main.url, '/doc_300_0.webp');
    expect([hit.status, hit.headers.get('x-cache')]).to.deep.equal([200, 'HIT']);
    const oversized = await api.fetch(main.url, '/doc_9000_9000.jpg');
    expect([oversized.status, oversized.headers.get('location')]).to.deep.equal([303, '/doc_4096_4096.jpg']);
    expect((await api.fetch(main.url, '/doc_300_0.webp', { headers: { 'if-none-match': hit.headers.get('etag') ?? '' } })).status).to.equal(304);
    expect(errorCode(await api.fetch(main.url, '/doc_10_10.bmp'))).to.equal('INVALID_REQUEST');
    expect(errorCode(await api.fetch(main.url, '/doc_10_10.jpg?fit=squash'))).to.equal('INVALID_REQUEST');
    expect(errorCode(await api.fetch(main.url, '/nobody_10_10.jpg'))).to.equal('NOT_FOUND');
    expect(errorCode(await api.fetch(main.url, '/doc'))).to.equal('NO_ROUTE');
    expect(errorCode(await api.fetch(down.url, '/doc_10_10.jpg'))).to.equal('INDEX_UNAVAILABLE');
    // At a 1 ms limit the cost model refuses a large AVIF before it starts; a 1x1 JPEG it admits, and that times out.
    expect(errorCode(await api.fetch(slow.url, '/slow_1200_0.avif'))).to.equal('RENDITION_TOO_COSTLY');
    expect(errorCode(await api.fetch(slow.url, '/slow_1_1.jpg'))).to.equal('RENDER_TIMEOUT');
  });

  it('GET and HEAD /{id}.json: 200, 304, 404, 503; PUT /{id}/focal: 200, 400, 401, 403, 404, 503', async () => {
    const info = await api.fetch(main.url, '/doc.json');
    expect(info.status).to.equal(200);
    expect((await api.fetch(main.url, '/doc.json', { headers: { 'if-none-match': info.headers.get('etag') ?? '' } })).status).to.equal(304);
    expect(errorCode(await api.fetch(main.url, '/nobody.json'))).to.equal('NOT_FOUND');
    expect(errorCode(await api.fetch(down.url, '/doc.json'))).to.equal('INDEX_UNAVAILABLE');
    expect((await api.fetch(main.url, '/doc.json', { method: 'HEAD' })).status).to.equal(200);
    expect((await api.fetch(main.url, '/nobody.json', { method: 'HEAD' })).status).to.equal(404);

    const put = (base: string, id: string, body: string, headers: Record<string, string> = {}) =>
      api.fetch(base, `/${id}/focal`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await put(main.url, 'doc', '{"x":0.25,"y":0.75}')).status).to.equal(200);
    expect(errorCode(await put(main.url, 'doc', '{"x":2,"y":0.5}'))).to.equal('INVALID_FOCAL_POINT');
    expect(errorCode(await put(main.url, 'doc', '{"x":'))).to.equal('INVALID_JSON');
    expect(errorCode(await put(guarded.url, 'doc', '{"x":0.5,"y":0.5}'))).to.equal('UNAUTHORIZED');
    expect(errorCode(await put(guarded.url, 'doc', '{"x":0.5,"y":0.5}', { authorization: `Bearer ${SECRET}` }))).to.equal('FORBIDDEN');
    expect(errorCode(await put(main.url, 'nobody', '{"x":0.5,"y":0.5}'))).to.equal('NOT_FOUND');
    expect(errorCode(await put(down.url, 'doc', '{"x":0.5,"y":0.5}'))).to.equal('INDEX_UNAVAILABLE');
  });

  it('GET /{file} with a public cache URL: a hit is a 303 to the cache', async () => {
    const cdn = await startTestService({ delivery: { publicBaseUrl: 'https://cdn.example.test/r' } });
    try {
      await uploadOriginal(cdn.url, 'cdn', photoBytes);
      expect((await api.fetch(cdn.url, '/cdn_100_0.jpg')).status).to.equal(200);
      await settle(cdn);
      const redirect = await api.fetch(cdn.url, '/cdn_100_0.jpg');
      expect([redirect.status, redirect.headers.get('x-cache')]).to.deep.equal([303, 'HIT']);
      expect(redirect.headers.get('location')).to.match(/^https:\/\/cdn\.example\.test\/r\/cdn\//);
    } finally {
      await cdn.close();
    }
  });

  it('GET and HEAD /{file} with signing keys and allowed sizes: 403 for a missing or wrong sig, a signed 303 to an allowed box', async () => {
    const key = 'an-url-signing-key-for-the-document';
    const signed = await startTestService({ signing: { keys: [key] }, limits: { allowedSizes: ['64x0'] } });
    try {
      const sign = createUrlSigner(key);
      await uploadOriginal(signed.url, 'signed', photoBytes);
      expect(errorCode(await api.fetch(signed.url, '/signed_64_0.jpg'))).to.equal('SIGNATURE_MISSING');
      expect(errorCode(await api.fetch(signed.url, '/signed_64_0.jpg?sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'))).to.equal('SIGNATURE_MISMATCH');
      expect((await api.fetch(signed.url, '/signed_64_0.jpg', { method: 'HEAD' })).status).to.equal(403);
      const redirect = await api.fetch(signed.url, `/signed_50_0.jpg?sig=${sign('/signed_50_0.jpg')}`);
      expect([redirect.status, redirect.headers.get('location')]).to.deep.equal([303, `/signed_64_0.jpg?sig=${sign('/signed_64_0.jpg')}`]);
      expect((await api.fetch(signed.url, redirect.headers.get('location') ?? '')).status).to.equal(200);
    } finally {
      await signed.close();
    }
  });

  it('HEAD /{file}: 200, 303, 304, 400, 404, without bodies', async () => {
    const head = (pathAndQuery: string, headers: Record<string, string> = {}) => api.fetch(main.url, pathAndQuery, { method: 'HEAD', headers });
    const found = await head('/doc_120_0.png');
    expect([found.status, found.headers.get('content-type')]).to.deep.equal([200, 'image/png']);
    expect((await head('/doc_9000_0.png')).status).to.equal(303);
    expect((await head('/doc_120_0.png', { 'if-none-match': found.headers.get('etag') ?? '' })).status).to.equal(304);
    expect((await head('/doc_120_0.bmp')).status).to.equal(400);
    expect((await head('/nobody_120_0.png')).status).to.equal(404);
  });

  it('DELETE /{file}: 204, 400, 401, 403, 404, 503', async () => {
    await uploadOriginal(main.url, 'gone', photoBytes);
    const remove = (base: string, file: string, headers: Record<string, string> = {}) => api.fetch(base, `/${file}`, { method: 'DELETE', headers });
    expect((await remove(main.url, 'gone')).status).to.equal(204);
    expect(errorCode(await remove(main.url, 'gone'))).to.equal('NOT_FOUND');
    expect(errorCode(await remove(main.url, 'a.b.c'))).to.equal('BAD_UPLOAD');
    expect(errorCode(await remove(guarded.url, 'x'))).to.equal('UNAUTHORIZED');
    expect(errorCode(await remove(guarded.url, 'x', { authorization: `Bearer ${SECRET}` }))).to.equal('FORBIDDEN');
    expect(errorCode(await remove(down.url, 'x'))).to.equal('INDEX_UNAVAILABLE');
  });

  it('OPTIONS /{file} (CORS preflight): 204, 403, 404', async () => {
    const cors = await startTestService({ cors: { allowedOrigins: ['https://www.example.com'] } });
    try {
      const preflight = (origin: string | undefined, method: string | undefined, file = 'photo') =>
        api.fetch(cors.url, `/${file}`, {
          method: 'OPTIONS',
          headers: { ...(origin && { origin }), ...(method && { 'access-control-request-method': method, 'access-control-request-headers': 'x-token' }) },
        });
      const allowed = await preflight('https://www.example.com', 'POST');
      expect([allowed.status, allowed.headers.get('access-control-allow-origin')]).to.deep.equal([204, 'https://www.example.com']);
      expect(errorCode(await preflight('https://evil.example', 'POST'))).to.equal('FORBIDDEN');
      expect(errorCode(await preflight(undefined, undefined))).to.equal('NO_ROUTE');
    } finally {
      await cors.close();
    }
  });

  it('rejects responses that depart from the document (the validator can fail)', () => {
    const headers = new Headers({ 'content-type': 'application/json', 'cache-control': 'no-store' });
    const base = { method: 'GET', path: '/favicon.ico', status: 404, headers };
    expect(() => api.validate({ ...base, body: Buffer.from('{"error":{"code":"NOPE","message":"x"}}') })).to.throw(/code/);
    expect(() => api.validate({ ...base, body: Buffer.from('{"error":{"code":"NOT_FOUND","message":"x"}}'), status: 410 })).to.throw(/not documented/);
    expect(() => api.validate({ ...base, body: Buffer.from('{}'), path: '/a/b' })).to.throw(/no documented path/);
    expect(() =>
      api.validate({ ...base, path: '/nobody_1_1.jpg', headers: new Headers({ 'content-type': 'application/json' }), body: Buffer.from('{"error":{"code":"NOT_FOUND","message":"x"}}') }),
    ).to.throw(/Cache-Control/);
    expect(() => api.validate({ ...base, path: '/x_1_1.jpg', status: 200, headers: new Headers({ 'content-type': 'text/html' }), body: Buffer.from('<p>') })).to.throw(/Content-Type|ETag/);
  });

  it('every documented route and status was produced by a real response above', () => {
    expect(api.exercised()).to.deep.equal(api.documented());
  });
});
