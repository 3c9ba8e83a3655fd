import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startChildService, type ChildService } from '../../support/child-service.js';
import sharp from 'sharp';
import { animatedGif, solidJpeg } from '../../support/image-fixtures.js';
import { tokenFor, upload } from '../../support/service-harness.js';

interface RawAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends `body` as it is (no re-framing by a client library), with a fixed Content-Length. */
function postRaw(url: string, headers: Record<string, string>, body: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('e2e: hostile uploads on the real process', function () {
  this.timeout(90_000);
  let service: ChildService;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-hostile-'));
    service = await startChildService({ env: { DATA_DIR: dataDir } });
  });

  after(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 400 JSON to a multipart body that ends inside the image part, stays up, and the token still works', async () => {
    const token = await tokenFor(service.url, 'truncated-01');
    const truncated = Buffer.concat([
      Buffer.from('--XX\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n'),
      Buffer.from([0xff, 0xd8, 0xff]),
    ]);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const answer = await postRaw(`${service.url}/truncated-01`, { 'x-token': token, 'content-type': 'multipart/form-data; boundary=XX' }, truncated);
      expect(answer.status, answer.body).to.equal(400);
      expect(JSON.parse(answer.body)).to.have.nested.property('error.code', 'BAD_UPLOAD');
    }
    const health = await fetch(`${service.url}/healthz`);
    expect(health.status).to.equal(200);
    const good = await upload(service.url, 'truncated-01', await solidJpeg(64, 48), token);
    expect(good.status, await good.clone().text()).to.equal(201);
    expect(service.stderr()).not.to.match(/Unexpected end of form/);
  });

  it('answers 400 JSON when the body ends inside a part that is not the image', async () => {
    const token = await tokenFor(service.url, 'truncated-02');
    const truncated = Buffer.from('--XX\r\nContent-Disposition: form-data; name="other"; filename="b.bin"\r\n\r\nabc');
    const answer = await postRaw(`${service.url}/truncated-02`, { 'x-token': token, 'content-type': 'multipart/form-data; boundary=XX' }, truncated);
    expect(answer.status, answer.body).to.equal(400);
    expect((await fetch(`${service.url}/healthz`)).status).to.equal(200);
  });

  it('refuses a GIF of 40 000 one-pixel frames at upload with 413 JSON, from its header; a small animation still works', async function () {
    // ≈ 1 MB that would buy tens of seconds of per-frame work in every rendition, while far under the pixel limit.
    const frames = 40_000;
    const raw = Buffer.alloc(frames * 3);
    for (let i = 0; i < raw.length; i += 1) raw[i] = (i * 37) & 0xff;
    const bomb = await sharp(raw, { raw: { width: 1, height: frames, channels: 3, pageHeight: 1 } }).gif().toBuffer();
    const token = await tokenFor(service.url, 'many-frames');
    const refused = await upload(service.url, 'many-frames', bomb, token);
    expect(refused.status).to.equal(413);
    expect(refused.headers.get('content-type')).to.match(/^application\/json/);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('IMAGE_TOO_LARGE');
    expect(body.error.message).to.match(/40000 frames, more than the limit of 1000/);

    const animation = await animatedGif(40, 30, 5);
    const stored = await upload(service.url, 'many-frames', animation, token);
    expect(stored.status, await stored.clone().text()).to.equal(201);
    const rendered = await fetch(`${service.url}/many-frames_20_15.webp?fit=crop`);
    expect(rendered.status).to.equal(200);
    expect((await sharp(Buffer.from(await rendered.arrayBuffer()), { animated: true }).metadata()).pages).to.equal(5);
  });
});
