import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CORPUS } from '../../support/corpus.js';
import { metricValue } from '../../support/metrics.js';
import { settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';

/** Renders `widths` of `id` one after the other (as a page's srcset asks them) and returns their bytes. */
async function renderWidths(service: TestService, id: string, widths: readonly number[]): Promise<Buffer[]> {
  const outputs: Buffer[] = [];
  for (const width of widths) {
    const response = await fetch(`${service.url}/${id}_${width}_0.jpg`);
    expect([response.status, response.headers.get('x-cache')], `width ${width}`).to.deep.equal([200, 'MISS']);
    outputs.push(Buffer.from(await response.arrayBuffer()));
  }
  await settle(service);
  return outputs;
}

describe('Shared decodes on the real service (ADR 0037, memory.sharedDecodeBytes)', function () {
  this.timeout(120_000);
  const photo = readFileSync(path.join(CORPUS, 'valid/sharp--2569067123_aca715a2ee_o.jpg'));
  const widths = [480, 400, 360, 320, 300];
  let sharing: TestService;
  let alone: TestService;

  before(async () => {
    [sharing, alone] = await Promise.all([startTestService(), startTestService({ memory: { sharedDecodeBytes: 0 } })]);
    await Promise.all([uploadOriginal(sharing.url, 'photo', photo), uploadOriginal(alone.url, 'photo', photo)]);
  });
  after(async () => Promise.all([sharing?.close(), alone?.close()]));

  it('renders the later widths of one original from a shared decode by default, and counts them in lir_renders_shared_decode_total', async () => {
    const shared = await renderWidths(sharing, 'photo', widths);
    const own = await renderWidths(alone, 'photo', widths);
    const metrics = await (await fetch(`${sharing.url}/metrics`)).text();
    // The first render decodes for itself; from the second on, the file is a recent one and its decode is shared.
    expect(metricValue(metrics, 'lir_renders_shared_decode_total')).to.equal(widths.length - 1);
    expect(shared.map((bytes) => bytes.toString('base64'))).to.deep.equal(own.map((bytes) => bytes.toString('base64')));
  });

  it('shares nothing with memory.sharedDecodeBytes = 0', async () => {
    const metrics = await (await fetch(`${alone.url}/metrics`)).text();
    expect(metricValue(metrics, 'lir_renders_shared_decode_total')).to.equal(0);
  });
});
