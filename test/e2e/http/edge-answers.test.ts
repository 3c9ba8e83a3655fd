import { connect } from 'node:net';
import { expect } from 'chai';
import { settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

interface RawAnswer {
  readonly status: number;
  readonly head: string;
  readonly body: string;
}

/** Sends `bytes` and then nothing more, as a slow client would; resolves only once the server has closed the connection. */
function sendAndStall(base: string, bytes: string): Promise<RawAnswer> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const split = text.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, head: text.slice(0, split), body: text.slice(split + 4) });
    });
  });
}

describe('answers at the edge (SPEC §6, §7)', function () {
  this.timeout(30_000);
  let service: TestService;

  before(async () => {
    service = await startTestService({ server: { headersTimeoutMs: 500, requestTimeoutMs: 1_000 } });
  });
  after(async () => service?.close());

  describe('slow clients', () => {
    it('answers a request head that stops arriving with 408 JSON and closes the connection', async () => {
      const answer = await sendAndStall(service.url, 'GET /slow_1_1.jpg HTTP/1.1\r\nHost: x\r\n');
      expect(answer.status).to.equal(408);
      expect(answer.head).to.match(/content-type: application\/json/i);
      expect(JSON.parse(answer.body)).to.deep.nested.include({ 'error.code': 'REQUEST_TIMEOUT' });
    });

    it('answers a request body that stops arriving with 408 JSON and closes the connection', async () => {
      const head = 'POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n';
      const answer = await sendAndStall(service.url, `${head}{"id": "sl`);
      expect(answer.status).to.equal(408);
      expect(JSON.parse(answer.body)).to.deep.nested.include({ 'error.code': 'REQUEST_TIMEOUT' });
    });

    it('keeps serving others meanwhile', async () => {
      expect((await fetch(`${service.url}/healthz`)).status).to.equal(200);
    });
  });

  describe('image answers', () => {
    it('sends X-Cache on a 304 as on every other image answer', async () => {
      await uploadOriginal(service.url, 'edge_cached', await photo(64, 48));
      const first = await fetch(`${service.url}/edge_cached_32_24.jpg`);
      expect(first.status).to.equal(200);
      await settle(service);
      const revalidated = await fetch(`${service.url}/edge_cached_32_24.jpg`, { headers: { 'If-None-Match': first.headers.get('etag')! } });
      expect(revalidated.status).to.equal(304);
      expect(revalidated.headers.get('x-cache')).to.equal('HIT');
    });

    it('sends X-Cache on the redirect of an oversized box', async () => {
      const answer = await fetch(`${service.url}/edge_cached_9000_9000.jpg`, { redirect: 'manual' });
      expect(answer.status).to.equal(303);
      expect(answer.headers.get('x-redirect-info')).to.match(/exceeds the limit/);
      expect(answer.headers.get('x-cache')).to.equal('HIT');
    });

    it('answers GET / and HEAD / with 404 NO_ROUTE, like any unknown route', async () => {
      const get = await fetch(`${service.url}/`);
      expect(get.status).to.equal(404);
      expect(get.headers.get('content-type')).to.match(/^application\/json/);
      expect(((await get.json()) as { error: { code: string } }).error.code).to.equal('NO_ROUTE');
      expect((await fetch(`${service.url}/`, { method: 'HEAD' })).status).to.equal(404);
    });
  });
});

describe('POST /token: the guard comes before the body (SPEC §5.1)', function () {
  this.timeout(30_000);

  async function postBrokenJson(base: string): Promise<{ status: number; code: string }> {
    const answer = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": nope' });
    return { status: answer.status, code: ((await answer.json()) as { error: { code: string } }).error.code };
  }

  it('answers 403, not 400, to a caller outside tokens.allowFrom that sends broken JSON', async () => {
    const service = await startTestService({ tokens: { allowFrom: ['192.0.2.0/24'] } });
    try {
      expect(await postBrokenJson(service.url)).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
    } finally {
      await service.close();
    }
  });

  it('answers 401, not 400, to a caller without the secret that sends broken JSON', async () => {
    const service = await startTestService({ tokens: { secret: 'a-shared-secret-of-some-length' } });
    try {
      expect(await postBrokenJson(service.url)).to.deep.equal({ status: 401, code: 'UNAUTHORIZED' });
    } finally {
      await service.close();
    }
  });
});
