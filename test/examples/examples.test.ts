import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { photo } from '../e2e/http/core-loop.suite.js';
import { startTestService, upload, uploadOriginal } from '../support/service-harness.js';
import { runExample } from './run-example.js';

describe('examples/ (run as their readers would run them)', function () {
  this.timeout(60_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-example-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('embed/mount-router.ts: serves images under /images of its own express app and stops cleanly', async () => {
    const example = runExample('examples/embed/mount-router.ts', [dataDir, '0']);
    try {
      const base = String((await example.waitFor((line) => 'listening' in line)).listening);

      const home = await fetch(`${base}/`);
      expect(await home.text()).to.equal('<img src="/images/welcome_400_0.webp">');

      const issued = (await (await fetch(`${base}/api/photos/welcome/upload`, { method: 'POST' })).json()) as { uploadUrl: string; token: string };
      expect(issued.uploadUrl).to.equal('/images/welcome');
      const uploaded = await upload(`${base}/images`, 'welcome', await photo(1200, 800), issued.token);
      expect(uploaded.status).to.equal(201);

      const image = await fetch(`${base}/images/welcome_400_0.webp`);
      expect(image.status).to.equal(200);
      expect(image.headers.get('content-type')).to.equal('image/webp');
      const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
      expect([meta.format, meta.width, meta.height]).to.deep.equal(['webp', 400, 267]);

      // An oversized box is redirected inside the mount point, not to the embedding app's root.
      const oversized = await fetch(`${base}/images/welcome_9000_0.jpg`, { redirect: 'manual' });
      expect(oversized.status).to.equal(303);
      expect(oversized.headers.get('location')).to.equal('/images/welcome_4096_0.jpg');
      expect((await fetch(`${base}/images/healthz`)).status).to.equal(200);
      expect((await fetch(`${base}/api/photos/a%2Fb/upload`, { method: 'POST' })).status).to.equal(400);
    } finally {
      example.child.kill('SIGTERM');
    }
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    expect(example.lines.at(-1)).to.deep.equal({ stopped: true });
  });

  it('worker/pre-render.ts: renders a width ladder without HTTP, so the service answers it from the cache', async () => {
    const before = await startTestService({ dataDir });
    await uploadOriginal(before.url, 'poster', await photo(1600, 1000));
    await before.stop(); // keeps dataDir
    rmSync(before.dataDir, { recursive: true, force: true });

    const example = runExample('examples/worker/pre-render.ts', [dataDir, 'poster', 'missing']);
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    const rendered = example.lines.filter((line) => line.outcome === 'rendered').map((line) => line.url);
    expect(rendered).to.deep.equal(['/poster_320_0.webp', '/poster_640_0.webp', '/poster_1280_0.webp', '/poster_320_0.jpg', '/poster_640_0.jpg', '/poster_1280_0.jpg']);
    expect(example.lines.filter((line) => line.outcome === 'no original')).to.have.length(6);

    const again = runExample('examples/worker/pre-render.ts', [dataDir, 'poster']);
    expect((await again.exited).code).to.equal(0);
    expect(again.lines.map((line) => line.outcome)).to.deep.equal(Array(6).fill('cached'));

    const after = await startTestService({ dataDir });
    try {
      for (const url of rendered) {
        const response = await fetch(`${after.url}${String(url)}`);
        expect(response.status, String(url)).to.equal(200);
        expect(response.headers.get('x-cache'), String(url)).to.equal('HIT');
        await response.arrayBuffer();
      }
    } finally {
      await after.close();
    }
  });

  it('embed/own-adapters.ts: the use cases on adapters of its own, negotiation included', async () => {
    const example = runExample('examples/embed/own-adapters.ts');
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    expect(example.lines).to.deep.equal([
      { uploaded: 'hero', width: 1200, height: 800 },
      { rendered: '/hero_300_300.jpg?fit=crop', format: 'webp', width: 300, height: 300, vary: 'Accept' },
      { again: 'stream' },
    ]);
  });

  it('client/signed-urls.ts: prints URLs a service with the same key and allowed sizes answers with 200', async () => {
    const example = runExample('examples/client/signed-urls.ts');
    const { code, stderr } = await example.exited;
    expect(code, stderr).to.equal(0);
    const [single = '', ladder = ''] = example.stdout().trim().split('\n');
    const urls = [single, ...ladder.split(', ').map((candidate) => candidate.split(' ')[0] ?? '')].map((url) => url.replace('https://img.example.com', ''));
    expect(ladder).to.match(/ 320w, .* 640w$/);
    const service = await startTestService({ signing: { keys: ['a-signing-key-of-16+'] }, limits: { allowedSizes: ['320x0', '640x0'] } });
    try {
      await uploadOriginal(service.url, 'holiday-01', await photo(800, 600));
      for (const url of urls) expect((await fetch(`${service.url}${url}`, { redirect: 'manual' })).status, url).to.equal(200);
    } finally {
      await service.close();
    }
  });
});
