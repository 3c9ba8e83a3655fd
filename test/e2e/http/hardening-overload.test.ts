import { expect } from 'chai';
import sharp from 'sharp';
import type { ImageId } from '../../../src/domain/image-id.js';
import { TOKENS } from '../../../src/infrastructure/di/tokens.js';
import { settle, startTestService, tokenFor, upload, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { Gate } from '../../support/gate.js';
import { solidJpeg } from '../../support/image-fixtures.js';
import { photo } from './core-loop.suite.js';

/** A sample's value from the Prometheus text, e.g. `lir_render_queue_depth`. */
async function gauge(base: string, name: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

/**
 * Noise (nothing to compress) saved as an interlaced PNG: libvips must decode all of it before it can resize,
 * so reading it costs the same on every request whatever the output size.
 */
async function interlacedNoisePng(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = Math.imul(i, 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1, progressive: true }).toBuffer();
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 10) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('overload: render slots, queue limit and time limit (SPEC §6 "Load")', function () {
  this.timeout(90_000);

  describe('one render slot, one queue place', () => {
    let service: TestService;
    const id = 'overload';

    before(async () => {
      service = await startTestService({ render: { concurrency: 1, queueLimit: 1 } });
      await uploadOriginal(service.url, id, await photo(2400, 1600));
      expect((await fetch(`${service.url}/${id}_64_0.jpg`)).status).to.equal(200);
      await settle(service);
    });
    after(async () => service?.close());

    it('answers 503 with Retry-After and a JSON error beyond the queue, and serves cache hits while the slots are full', async () => {
      // Slow, distinct misses: AVIF encodes of a large box (about a second each, within the cost model's budget).
      const burst = [0, 1, 2, 3, 4, 5].map(async (n) => {
        const response = await fetch(`${service.url}/${id}_${4000 + n * 8}_0.avif`);
        return { status: response.status, retryAfter: response.headers.get('retry-after'), type: response.headers.get('content-type'), body: await response.text() };
      });
      await until(async () => (await gauge(service.url, 'lir_renders_in_flight')) === 1 && (await gauge(service.url, 'lir_render_queue_depth')) === 1, 'a full gate');

      const hit = await fetch(`${service.url}/${id}_64_0.jpg`);
      expect(hit.status).to.equal(200);
      expect(hit.headers.get('x-cache')).to.equal('HIT');
      await hit.arrayBuffer();
      expect(await gauge(service.url, 'lir_renders_in_flight'), 'the gate was still full while the hit was answered').to.equal(1);

      const answers = await Promise.all(burst);
      const refused = answers.filter((a) => a.status === 503);
      expect(answers.every((a) => a.status === 200 || a.status === 503), JSON.stringify(answers.map((a) => a.status))).to.equal(true);
      expect(answers.filter((a) => a.status === 200).length).to.be.at.least(2);
      expect(refused.length).to.be.at.least(1);
      for (const answer of refused) {
        expect(Number(answer.retryAfter)).to.be.greaterThan(0);
        expect(answer.type).to.match(/^application\/json/);
        expect(JSON.parse(answer.body)).to.have.nested.property('error.code', 'OVERLOADED');
      }
      expect(await gauge(service.url, 'lir_renders_in_flight')).to.equal(0);
    });
  });

  describe('a render time limit of half a second, two render slots, no queue (ADR 0014)', () => {
    let seeding: TestService;
    let service: TestService;
    const id = 'too_slow';
    const small = 'small_one';

    before(async () => {
      // The originals are stored by a service with the default limits: the constrained one below would refuse
      // the big one's decode proof at its own limit. Both share the data folder and the index.
      seeding = await startTestService();
      await uploadOriginal(seeding.url, id, await interlacedNoisePng(7000, 7000));
      await uploadOriginal(seeding.url, small, await photo(800, 600));
      // 501 ms: libvips' own limit rounds up to whole seconds (1 s), so work it has to cut outlives the 504 by up
      // to half a second. Two slots give each render one libvips thread (ADR 0009), which keeps the work below long.
      service = await startTestService({ dataDir: seeding.config.dataDir, render: { concurrency: 2, queueLimit: 0, timeoutMs: 501 } });
    });
    after(async () => {
      await service?.close();
      await seeding?.close();
    });

    it('refuses, before any work starts, an AVIF that cannot be encoded within the limit: 422 JSON naming what fits', async () => {
      const response = await fetch(`${service.url}/${id}_4096_4096.avif?fit=crop`);
      expect(response.status).to.equal(422);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).to.equal('RENDITION_TOO_COSTLY');
      expect(body.error.message).to.match(/at most \d+ pixels fit/);
      expect(await gauge(service.url, 'lir_renders_in_flight')).to.equal(0);
    });

    it('answers 504 at the limit but keeps the slots until libvips has stopped: a miss meanwhile gets 503, one after it renders', async () => {
      // An interlaced 49 MP PNG cannot be shrunk while it loads, then a wide blur over 4 MP, on one thread each:
      // cheap in the cost model (it counts encoders, which cannot be stopped), ≈1.5 s of pipeline work on this
      // class of machine when idle (three times the limit), which libvips' own limit cuts at 1 s.
      const abandoned = await Promise.all(
        [2000, 1990].map(async (size) => {
          const response = await fetch(`${service.url}/${id}_${size}_${size}.jpg?blur=100`);
          return { status: response.status, code: ((await response.json()) as { error?: { code?: string } }).error?.code };
        }),
      );
      expect(abandoned).to.deep.equal([
        { status: 504, code: 'RENDER_TIMEOUT' },
        { status: 504, code: 'RENDER_TIMEOUT' },
      ]);

      const meanwhile = await fetch(`${service.url}/${small}_32_0.png`);
      expect(meanwhile.status, 'the abandoned renders still hold both slots').to.equal(503);
      expect(Number(meanwhile.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(await meanwhile.json()).to.have.nested.property('error.code', 'OVERLOADED');

      await until(async () => (await gauge(service.url, 'lir_renders_in_flight')) === 0, 'libvips to stop the abandoned renders');
      const after = await fetch(`${service.url}/${small}_32_0.png`);
      expect(after.status).to.equal(200);
      expect(after.headers.get('x-cache')).to.equal('MISS');
      await settle(service);
      expect(await service.container.get(TOKENS.CacheIndex).listRenditions(id as ImageId)).to.deep.equal([]);
    });
  });

  describe('uploads share the render slots (issue 10, item 2)', () => {
    let service: TestService;

    before(async () => {
      service = await startTestService({ render: { concurrency: 1, queueLimit: 0 } });
    });
    after(async () => service?.close());

    it("an upload's decode waits for a render slot: with the slot taken and no queue it is 503 JSON with Retry-After, its token still usable", async () => {
      const gate = service.container.get(TOKENS.RenderGate);
      const slot = new Gate();
      slot.close();
      // The one slot taken, as by a render in flight.
      const held = gate.run(() => slot.wait(), 0);
      const token = await tokenFor(service.url, 'gated-upload');
      const bytes = await photo(1200, 800);

      const refused = await upload(service.url, 'gated-upload', bytes, token);
      expect(refused.status).to.equal(503);
      expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(refused.headers.get('content-type')).to.match(/^application\/json/);
      expect(await refused.json()).to.have.nested.property('error.code', 'OVERLOADED');

      slot.open();
      await held;
      const stored = await upload(service.url, 'gated-upload', bytes, token);
      expect(stored.status, await stored.clone().text()).to.equal(201);
      expect(await gauge(service.url, 'lir_renders_in_flight')).to.equal(0);
    });
  });
});
