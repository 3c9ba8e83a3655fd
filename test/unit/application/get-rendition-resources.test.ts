import { expect } from 'chai';
import { RenderGate } from '../../../src/application/render-gate.js';
import type { GetRenditionInput } from '../../../src/application/use-cases/get-rendition.js';
import { RenditionTooCostlyError } from '../../../src/domain/domain-error.js';
import { createApplicationHarness, RENDER_SETTINGS } from '../../support/application-harness.js';
import { settle } from '../../support/gate.js';
import { animatedGif, gradientJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

/** Long enough never to fire in a test that does not wait for it. */
const NO_TIMEOUT = 60_000;

describe('GetRendition within the resource model (ADR 0014)', () => {
  function input(h: ReturnType<typeof createApplicationHarness>, path: string, query = ''): GetRenditionInput {
    return { request: h.request(path, query), accepts: new Set(), delivery: 'proxy' };
  }

  it('a queued render has not read its original: only renders holding a slot hold bytes', async () => {
    const gate = new RenderGate({ concurrency: 1, queueLimit: 4, timeoutMs: NO_TIMEOUT });
    const h = createApplicationHarness({ gate });
    const id = uniqueId('queued');
    await h.seedOriginal(id, await gradientJpeg(64, 48));

    h.transformer.hold();
    const misses = [20, 21, 22, 23].map((size) => h.getRendition.execute(input(h, `/${id}_${size}_${size}.png`)));
    await h.transformer.rendersStarted(1);
    await settle();
    expect([gate.active, gate.waiting]).to.deep.equal([1, 3]);
    expect(h.originals.gets).to.equal(1);

    h.transformer.release();
    for (const miss of await Promise.all(misses)) expect(miss.kind).to.equal('rendered');
    expect(h.originals.gets).to.equal(4);
    await h.background.drain();
  });

  it('refuses a miss the cost model says cannot finish in time with RenditionTooCostlyError, before a slot, a read or a render', async () => {
    const gate = new RenderGate({ concurrency: 1, queueLimit: 0, timeoutMs: NO_TIMEOUT });
    // A 1 s limit at AVIF effort 4: about 166 000 pixels of AVIF fit in half of it.
    const h = createApplicationHarness({ gate, render: { budget: { timeoutMs: 1000, avifEffort: 4, webpEffort: 4 } } });
    const id = uniqueId('costly');
    await h.seedOriginal(id, await gradientJpeg(64, 48));

    const error = await expectRejection(h.getRendition.execute(input(h, `/${id}_1024_1024.avif`, 'fit=crop')), RenditionTooCostlyError);
    expect(error.message).to.match(/avif rendition of 1024x1024 would take about \d+ ms.*at most \d+ pixels fit/);
    expect([h.transformer.renders, h.originals.gets, gate.active]).to.deep.equal([0, 0, 0]);
    // A JPEG of the same size, or a small AVIF, is cheap enough.
    expect((await h.getRendition.execute(input(h, `/${id}_1024_1024.jpg`, 'fit=crop'))).kind).to.equal('rendered');
    expect((await h.getRendition.execute(input(h, `/${id}_64_48.avif`))).kind).to.equal('rendered');
    await h.background.drain();
  });

  it('counts every frame of an animated output, and negotiation never picks an AVIF the model would refuse', async () => {
    const h = createApplicationHarness({ render: { budget: { timeoutMs: 1000, avifEffort: 9, webpEffort: 4 }, negotiate: true } });
    const id = uniqueId('frames');
    await h.seedOriginal(id, await animatedGif(16, 16, 40));
    // 40 frames of 512x512 WebP: ≈ 10 MP of output, well over half a second's worth; 40 frames of 64x64 are not.
    await expectRejection(h.getRendition.execute(input(h, `/${id}_512_512.webp`)), RenditionTooCostlyError);
    expect((await h.getRendition.execute(input(h, `/${id}_64_64.webp`))).kind).to.equal('rendered');
    // The same size as a still JPEG is one frame.
    expect((await h.getRendition.execute(input(h, `/${id}_512_512.jpg`))).kind).to.equal('rendered');
    // The client accepts AVIF, but at effort 9 a 256x256 AVIF does not fit: WebP is chosen instead (a still: PNG asked).
    const still = await h.seedOriginal(uniqueId('still'), await gradientJpeg(300, 300));
    const negotiated = await h.getRendition.execute({ ...input(h, `/${still.id}_256_256.png`), accepts: new Set(['avif', 'webp'] as const) });
    expect(negotiated.rendition.spec.format).to.equal('webp');
    expect(RENDER_SETTINGS.avifMaxPixels).to.be.greaterThan(256 * 256);
    await h.background.drain();
  });
});
