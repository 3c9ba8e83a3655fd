import { expect } from 'chai';
import sharp from 'sharp';
import { noiseJpeg } from '../../support/image-fixtures.js';
import { startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';

/** The pixels a 422 says fit, from its message ("at most N pixels fit"). */
function pixelsThatFit(message: string): number {
  const match = /at most (\d+) pixels fit/.exec(message);
  if (match === null) throw new Error(`no pixel budget in: ${message}`);
  return Number(match[1]);
}

describe('render.webpEffort on the real service (WEBP_EFFORT, ADR 0039)', function () {
  this.timeout(60_000);
  const id = 'noise';
  let fast: TestService;
  let small: TestService;

  before(async () => {
    const original = await noiseJpeg(1200, 1000);
    // A 2 s limit: half of it for the estimate, which at effort 0 admits several times the pixels it does at 6.
    fast = await startTestService({ render: { webpEffort: 0, timeoutMs: 2000 } });
    small = await startTestService({ render: { webpEffort: 6, timeoutMs: 2000 } });
    await uploadOriginal(fast.url, id, original);
    await uploadOriginal(small.url, id, original);
  });
  after(async () => {
    await fast?.close();
    await small?.close();
  });

  it('renders WebP at the configured effort: effort 0 gives a larger file of the same size in pixels than effort 6', async () => {
    const [a, b] = (await Promise.all(
      [fast, small].map(async (service) => {
        const response = await fetch(`${service.url}/${id}_300_0.webp`);
        expect(response.status).to.equal(200);
        expect(response.headers.get('content-type')).to.equal('image/webp');
        return Buffer.from(await response.arrayBuffer());
      }),
    )) as [Buffer, Buffer];
    expect((await sharp(a).metadata()).width).to.equal(300);
    expect((await sharp(b).metadata()).width).to.equal(300);
    expect(a.length).to.be.greaterThan(b.length);
  });

  it('prices WebP by the configured effort: the same too-large WebP is refused by both, naming far more pixels that fit at effort 0', async () => {
    const refusals = await Promise.all(
      [fast, small].map(async (service) => {
        const response = await fetch(`${service.url}/${id}_4096_4096.webp?fit=crop`);
        expect(response.status).to.equal(422);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).to.equal('RENDITION_TOO_COSTLY');
        return pixelsThatFit(body.error.message);
      }),
    );
    expect(refusals[0]! / refusals[1]!).to.be.greaterThan(2.5);
    // A size between the two budgets (one the effort-0 service admits) is refused at effort 6.
    const between = Math.floor(Math.sqrt((refusals[0]! + refusals[1]!) / 2));
    expect((await fetch(`${small.url}/${id}_${between}_${between}.webp?fit=crop`, { method: 'HEAD' })).status).to.equal(422);
  });
});
