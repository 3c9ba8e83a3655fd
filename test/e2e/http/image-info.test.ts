import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decode as decodeBlurhash } from 'blurhash';
import { expect } from 'chai';
import fc from 'fast-check';
import sharp from 'sharp';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { exifRotatedJpeg, gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { tokenFor, upload, uploadOriginal } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

type Rgb = readonly [number, number, number];

/** sRGB 0…255 → linear light 0…1. */
function linear(channel: number): number {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** CIE L*a*b* (D65) of a colour given in linear-light sRGB. */
function labOfLinear([r, g, b]: Rgb): Rgb {
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 ΔE: the plain Lab distance, never smaller than the later formulas for the same pair. */
function deltaE(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/**
 * The mean colour as a blur shows it: the average of the pixels in linear light (the only average a BlurHash can
 * reproduce, since it works in linear light), as Lab. `channels` of 3 or 4 (alpha ignored: the fixtures are opaque).
 */
function meanLab(data: Uint8Array | Uint8ClampedArray, channels: number): Rgb {
  const sum = [0, 0, 0];
  const count = data.length / channels;
  for (let at = 0; at < data.length; at += channels) for (let c = 0; c < 3; c++) sum[c]! += linear(data[at + c]!);
  return labOfLinear([sum[0]! / count, sum[1]! / count, sum[2]! / count]);
}

async function info(base: string, id: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/${id}.json`, { headers });
}

interface InfoBody {
  id: string;
  width: number;
  height: number;
  format: string;
  bytes: number;
  uploadedAt: string;
  placeholder: { blurhash: string; thumbhash: string; dominantColor: string } | null;
  focalPoint: { x: number; y: number } | null;
}

/** A grey picture with a red disc at the focal point: any crop that keeps the point shows red. */
async function markedImage(width: number, height: number, x: number, y: number, radius: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(200,200,200)"/><circle cx="${x * width}" cy="${y * height}" r="${radius}" fill="rgb(255,0,0)"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function showsRed(bytes: Uint8Array): Promise<boolean> {
  const { data, info: meta } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  for (let at = 0; at < data.length; at += meta.channels) {
    if (data[at]! - Math.max(data[at + 1]!, data[at + 2]!) > 60) return true;
  }
  return false;
}

describe('image info, placeholders and focal points on the real process (SPEC §9)', function () {
  this.timeout(180_000);
  let service: ChildService;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-info-'));
    service = await startChildService({ env: { DATA_DIR: dataDir, CORS_ALLOWED_ORIGINS: 'https://page.example' } });
  });
  after(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the true displayed size, format and bytes of an upload, with the placeholder the upload answered', async () => {
    const cases: Array<[string, Buffer]> = [
      ['info_png', await quadrantPng(320, 200)],
      ['info_rotated', await exifRotatedJpeg(300, 200)],
    ];
    for (const [id, bytes] of cases) {
      const uploaded = await uploadOriginal(service.url, id, bytes);
      const truth = await sharp(bytes).metadata();
      const displayed = truth.autoOrient;
      const response = await info(service.url, id);
      expect(response.status, id).to.equal(200);
      expect(response.headers.get('content-type'), id).to.match(/^application\/json/);
      const body = (await response.json()) as InfoBody;
      expect(body, id).to.include({ id, width: displayed.width, height: displayed.height, format: truth.format, bytes: bytes.length });
      expect(new Date(body.uploadedAt).getTime(), id).to.be.closeTo(Date.now(), 120_000);
      expect(body.placeholder, id).to.deep.equal(uploaded.placeholder);
      expect(body.placeholder!.blurhash, id).to.match(/^[0-9A-Za-z#$%*+,.:;=?@[\]^_{|}~-]{6,}$/);
      expect(body.placeholder!.dominantColor, id).to.match(/^#[0-9a-f]{6}$/);
      expect(body.focalPoint, id).to.equal(null);
    }
  });

  it('has an ETag (304 on If-None-Match), a long but not immutable Cache-Control, HEAD and CORS as images do', async () => {
    await uploadOriginal(service.url, 'info_etag', await photo(120, 80));
    const first = await info(service.url, 'info_etag', { origin: 'https://page.example' });
    const etag = first.headers.get('etag');
    expect(etag).to.match(/^"[0-9a-f]{16}-[0-9a-f]{16}"$/);
    expect(first.headers.get('cache-control')).to.equal('public, max-age=86400');
    expect(first.headers.get('access-control-allow-origin')).to.equal('https://page.example');
    const again = await info(service.url, 'info_etag', { 'if-none-match': etag! });
    expect(again.status).to.equal(304);
    expect(again.headers.get('etag')).to.equal(etag);
    const head = await fetch(`${service.url}/info_etag.json`, { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.headers.get('etag')).to.equal(etag);
    expect(await head.text()).to.equal('');
  });

  it('answers an unknown id with a 404 JSON error, and counts info requests in /metrics', async () => {
    const response = await info(service.url, 'info_nobody');
    expect(response.status).to.equal(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).to.equal('NOT_FOUND');
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).to.match(/lir_info_requests_total\{outcome="ok"\} [1-9]/);
    expect(metrics).to.match(/lir_http_requests_total\{route="info",method="GET",status="404"\} 1/);
  });

  it('keeps a BlurHash whose decoded mean colour is within ΔE 10 of the original mean colour', async () => {
    const images: Array<[string, Buffer]> = [
      ['blur_photo', await photo(600, 400)],
      ['blur_gradient', await gradientJpeg(500, 300)],
      ['blur_quadrants', await quadrantPng(200, 300)],
    ];
    for (const [id, bytes] of images) {
      const uploaded = await uploadOriginal(service.url, id, bytes);
      const hash = (uploaded.placeholder as { blurhash: string }).blurhash;
      const decoded = decodeBlurhash(hash, 64, 64);
      const original = await sharp(bytes).removeAlpha().raw().toBuffer();
      const distance = deltaE(meanLab(decoded, 4), meanLab(original, 3));
      expect(distance, `${id}: ΔE ${distance.toFixed(2)}`).to.be.below(10);
    }
  });

  it('keeps a marked focal point inside every crop of a fast-check sample of boxes', async () => {
    const width = 400;
    const height = 300;
    const point = { x: 0.93, y: 0.12 };
    const token = await tokenFor(service.url, 'focal_marked');
    const form = new FormData();
    form.set('image', new Blob([await markedImage(width, height, point.x, point.y, 14)]), 'marked.png');
    form.set('focal', `${point.x},${point.y}`);
    const uploaded = await fetch(`${service.url}/focal_marked`, { method: 'POST', headers: { 'X-Token': token }, body: form });
    expect(uploaded.status).to.equal(201);
    expect(((await uploaded.json()) as InfoBody).focalPoint).to.deep.equal(point);

    const box = fc.record({ w: fc.integer({ min: 40, max: 600 }), h: fc.integer({ min: 40, max: 600 }) });
    await fc.assert(
      fc.asyncProperty(box, async ({ w, h }) => {
        const response = await fetch(`${service.url}/focal_marked_${w}_${h}.png?fit=crop`);
        expect(response.status).to.equal(200);
        const bytes = new Uint8Array(await response.arrayBuffer());
        const meta = await sharp(bytes).metadata();
        expect([meta.width, meta.height]).to.deep.equal([w, h]);
        expect(await showsRed(bytes), `${w}x${h}`).to.equal(true);
      }),
      { numRuns: 25 },
    );
    // The centre crop the point overrides would lose the mark: the sample tests something.
    const centre = await fetch(`${service.url}/focal_marked_60_60.png?fit=crop&gravity=center`);
    expect(await showsRed(new Uint8Array(await centre.arrayBuffer()))).to.equal(false);
  });

  it('sets a focal point with PUT /{id}/focal: a new crop identity, the old renditions purged, 400 naming the field', async () => {
    const id = 'focal_put';
    await uploadOriginal(service.url, id, await markedImage(300, 200, 0.1, 0.9, 12));
    const before = await fetch(`${service.url}/${id}_50_50.png?fit=crop`);
    await before.arrayBuffer();
    expect(await showsRed(new Uint8Array(await (await fetch(`${service.url}/${id}_50_50.png?fit=crop&proxy=true`)).arrayBuffer()))).to.equal(false);

    const bad = await fetch(`${service.url}/${id}/focal`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"x": 0.1, "y": 1.5}' });
    expect(bad.status).to.equal(400);
    const error = ((await bad.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal('INVALID_FOCAL_POINT');
    expect(error.message).to.match(/^y /);

    const proxied = await fetch(`${service.url}/${id}/focal`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
      body: '{"x": 0.1, "y": 0.9}',
    });
    expect(proxied.status).to.equal(403);

    const set = await fetch(`${service.url}/${id}/focal`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"x": 0.1, "y": 0.9}' });
    expect(set.status).to.equal(200);
    expect(((await set.json()) as InfoBody).focalPoint).to.deep.equal({ x: 0.1, y: 0.9 });
    const after = await fetch(`${service.url}/${id}_50_50.png?fit=crop`);
    expect(after.headers.get('x-cache')).to.equal('MISS');
    expect(after.headers.get('etag')).to.not.equal(before.headers.get('etag'));
    expect(await showsRed(new Uint8Array(await after.arrayBuffer()))).to.equal(true);
    expect(((await (await info(service.url, id)).json()) as InfoBody).focalPoint).to.deep.equal({ x: 0.1, y: 0.9 });
  });

  it('refuses an upload whose focal field is out of range with a 400 naming it, and keeps the token', async () => {
    const token = await tokenFor(service.url, 'focal_bad');
    const form = new FormData();
    form.set('focal', '0.5');
    form.set('image', new Blob([await photo(40, 30)]), 'a.jpg');
    const response = await fetch(`${service.url}/focal_bad`, { method: 'POST', headers: { 'X-Token': token }, body: form });
    expect(response.status).to.equal(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).to.match(/^focal /);
    expect((await upload(service.url, 'focal_bad', await photo(40, 30), token)).status).to.equal(201);
  });
});
