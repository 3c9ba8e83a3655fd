import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { TOKENS } from '../../../src/infrastructure/di/tokens.js';
import { metricValue } from '../../support/metrics.js';
import { settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';

const BUDGET = 5 * 1024 * 1024;

/** Bytes of every file below `folder`. */
async function bytesOnDisk(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

describe('Rendition budget on the real service (SPEC §8, RENDITIONS_MAX_BYTES)', function () {
  this.timeout(120_000);
  let service: TestService;
  const id = 'budgeted';

  before(async () => {
    // Noise does not compress: every PNG rendition of it is about as large as its pixels (≈ 300 KB here).
    const noise = await sharp(randomBytes(400 * 260 * 3), { raw: { width: 400, height: 260, channels: 3 } }).png().toBuffer();
    service = await startTestService({ renditions: { driver: 'filesystem', maxBytes: BUDGET } });
    await uploadOriginal(service.url, id, noise);
  });
  after(async () => service?.close());

  it('answers 40 distinct ≈300 KB renditions with 200, keeps disk and index within the budget plus one, renders an evicted one again', async () => {
    const index = service.container.get(TOKENS.CacheIndex);
    const folder = path.join(service.dataDir, 'renditions');
    let largest = 0;
    for (let width = 361; width <= 400; width++) {
      const response = await fetch(`${service.url}/${id}_${width}_0.png`);
      expect(response.status, `width ${width}`).to.equal(200);
      expect(response.headers.get('x-cache')).to.equal('MISS');
      largest = Math.max(largest, (await response.arrayBuffer()).byteLength);
      await settle(service);
      expect(await index.renditionBytes(), `index total after width ${width}`).to.be.at.most(BUDGET + largest);
      expect(await bytesOnDisk(folder), `bytes on disk after width ${width}`).to.be.at.most(BUDGET + largest);
    }
    expect(largest).to.be.greaterThan(250_000);
    expect(await bytesOnDisk(folder)).to.equal(await index.renditionBytes());
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metricValue(metrics, 'lir_renditions_stored_bytes')).to.equal(await index.renditionBytes());
    expect(metricValue(metrics, 'lir_rendition_evictions_total')).to.be.greaterThan(15);

    const recent = await fetch(`${service.url}/${id}_400_0.png`);
    expect([recent.status, recent.headers.get('x-cache')]).to.deep.equal([200, 'HIT']);
    await recent.arrayBuffer();
    const evicted = await fetch(`${service.url}/${id}_361_0.png`);
    expect([evicted.status, evicted.headers.get('x-cache')]).to.deep.equal([200, 'MISS']);
    await evicted.arrayBuffer();
    await settle(service);
    expect((await fetch(`${service.url}/${id}_361_0.png`)).headers.get('x-cache')).to.equal('HIT');
  });
});
