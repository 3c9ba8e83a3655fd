import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { solidJpeg } from '../../support/image-fixtures.js';
import { tokenFor } from '../../support/service-harness.js';

const MiB = 1024 * 1024;
const MAX_BYTES = 25 * MiB;

/** A JPEG's bytes followed by filler: a body of the wanted size whose image part starts like an image. */
async function bulkyImage(bytes: number): Promise<Blob> {
  const jpeg = await solidJpeg(16, 16);
  return new Blob([jpeg, new Uint8Array(Math.max(0, bytes - jpeg.length))], { type: 'image/jpeg' });
}

/** An upload as a browser page sends it: `fetch` with `FormData`, the token in a header or a field. */
async function postForm(base: string, id: string, fields: Array<[string, string | Blob]>, headers: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, value, 'upload.jpg');
  }
  return fetch(`${base}/${id}`, { method: 'POST', headers, body: form });
}

async function errorCodeOf(response: Response): Promise<string> {
  expect(response.headers.get('content-type')).to.match(/^application\/json/);
  return ((await response.json()) as { error: { code: string } }).error.code;
}

interface ContinueExchange {
  /** Everything the server sent before the client would send a body (a `100 Continue` or a final answer). */
  readonly first: string;
  /** What it sent after the body, when one was sent. */
  readonly rest: string;
}

/**
 * What curl does with a large upload: send the head with `Expect: 100-continue`, wait for the server's
 * first answer, and send the body only if that answer is `100 Continue`.
 */
function postExpectingContinue(base: string, path: string, headers: Record<string, string>, body: Buffer): Promise<ContinueExchange> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(Number(port), hostname);
    const head = [`POST ${path} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close', 'Expect: 100-continue', `Content-Length: ${body.length}`];
    for (const [name, value] of Object.entries(headers)) head.push(`${name}: ${value}`);
    let first: string | undefined;
    let text = '';
    socket.on('connect', () => socket.write(`${head.join('\r\n')}\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (first !== undefined || !text.includes('\r\n\r\n')) return;
      first = text;
      text = '';
      if (/^HTTP\/1\.1 100 /.test(first)) socket.write(body);
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => resolve({ first: first ?? text, rest: first === undefined ? '' : text }));
    socket.on('error', reject);
  });
}

function jsonBodyOf(response: string): { error?: { code?: string }; status?: string } {
  return JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as { error?: { code?: string } };
}

describe('e2e: upload refusals reach the client, and the token may be a form field (SPEC §5.2, §7)', function () {
  this.timeout(120_000);
  // A process of its own: in the test's own event loop, client and server would take turns, and the
  // race between a refusal and a client still sending would not happen as it does for real.
  let service: ChildService;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-refusals-'));
    service = await startChildService({ env: { DATA_DIR: dataDir, UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  });
  after(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('a fetch client (undici) sending the whole body', () => {
    it('reads the 403 JSON for a 7 MB upload with a bad token, every time (not EPIPE or a reset)', async () => {
      const image = await bulkyImage(7 * MiB);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await postForm(service.url, 'refused-7mb', [['image', image]], { 'X-Token': 'not-a-token' });
        expect(response.status).to.equal(403);
        expect(await errorCodeOf(response)).to.equal('TOKEN_REJECTED');
      }
    });

    it('reads the 413 JSON for a 30 MB upload with a good token, every time', async () => {
      const image = await bulkyImage(30 * MiB);
      const token = await tokenFor(service.url, 'refused-30mb');
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await postForm(service.url, 'refused-30mb', [['image', image]], { 'X-Token': token });
        expect(response.status).to.equal(413);
        expect(await errorCodeOf(response)).to.equal('PAYLOAD_TOO_LARGE');
      }
      // A refused upload leaves the token usable.
      const good = await postForm(service.url, 'refused-30mb', [['image', new Blob([await solidJpeg(20, 10)])]], { 'X-Token': token });
      expect(good.status, await good.clone().text()).to.equal(201);
    });
  });

  describe('the token as a multipart field (no X-Token header, so a browser needs no preflight)', () => {
    it('accepts the token in a field placed before the image', async () => {
      const token = await tokenFor(service.url, 'field-token');
      const response = await postForm(service.url, 'field-token', [
        ['token', token],
        ['image', new Blob([await solidJpeg(30, 20)])],
      ]);
      expect(response.status, await response.clone().text()).to.equal(201);
      expect(await response.json()).to.include({ id: 'field-token', original_width: 30, original_height: 20 });
      const again = await postForm(service.url, 'field-token', [
        ['token', token],
        ['image', new Blob([await solidJpeg(30, 20)])],
      ]);
      expect(again.status).to.equal(403);
    });

    it('refuses a bad token field with 403 JSON before reading the image, even a 7 MB one', async () => {
      const image = await bulkyImage(7 * MiB);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await postForm(service.url, 'field-bad', [['token', 'not-a-token'], ['image', image]]);
        expect(response.status).to.equal(403);
        expect(await errorCodeOf(response)).to.equal('TOKEN_REJECTED');
      }
    });

    it('refuses a token field that comes after the image, saying where it belongs', async () => {
      const token = await tokenFor(service.url, 'field-late');
      const response = await postForm(service.url, 'field-late', [
        ['image', new Blob([await solidJpeg(30, 20)])],
        ['token', token],
      ]);
      expect(response.status).to.equal(403);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal('TOKEN_REJECTED');
      expect(body.error.message).to.match(/before/);
    });
  });

  describe('Expect: 100-continue (curl and other clients that ask first)', () => {
    it('answers a bad token with 403 JSON before asking for the body', async () => {
      const body = Buffer.alloc(2 * MiB, 1);
      const exchange = await postExpectingContinue(service.url, '/continue-bad', { 'X-Token': 'not-a-token', 'Content-Type': 'multipart/form-data; boundary=x' }, body);
      expect(exchange.first).to.match(/^HTTP\/1\.1 403 /);
      expect(jsonBodyOf(exchange.first).error?.code).to.equal('TOKEN_REJECTED');
    });

    it('answers a declared size over the limit with 413 before asking for the body', async () => {
      const token = await tokenFor(service.url, 'continue-large');
      const body = Buffer.alloc(MAX_BYTES + 1024 * 1024, 1);
      const exchange = await postExpectingContinue(service.url, '/continue-large', { 'X-Token': token, 'Content-Type': 'multipart/form-data; boundary=x' }, body);
      expect(exchange.first).to.match(/^HTTP\/1\.1 413 /);
      expect(jsonBodyOf(exchange.first).error?.code).to.equal('PAYLOAD_TOO_LARGE');
    });

    it('sends 100 Continue only after the token check, then takes the upload', async () => {
      const token = await tokenFor(service.url, 'continue-good');
      const jpeg = await solidJpeg(24, 12);
      const body = Buffer.concat([
        Buffer.from('--x\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n'),
        jpeg,
        Buffer.from('\r\n--x--\r\n'),
      ]);
      const exchange = await postExpectingContinue(service.url, '/continue-good', { 'X-Token': token, 'Content-Type': 'multipart/form-data; boundary=x' }, body);
      expect(exchange.first).to.match(/^HTTP\/1\.1 100 Continue\r\n/);
      expect(exchange.rest).to.match(/^HTTP\/1\.1 201 /);
      expect(jsonBodyOf(exchange.rest)).to.include({ status: 'OK' });
    });

    it('still answers POST /token, whose body needs the 100 Continue', async () => {
      const body = Buffer.from(JSON.stringify({ id: 'continue-token' }));
      const exchange = await postExpectingContinue(service.url, '/token', { 'Content-Type': 'application/json' }, body);
      expect(exchange.first).to.match(/^HTTP\/1\.1 100 Continue\r\n/);
      expect(exchange.rest).to.match(/^HTTP\/1\.1 200 /);
    });
  });
});
