import { expect } from 'chai';
import { OverloadedError } from '../../../src/application/application-error.js';
import { RenderGate } from '../../../src/application/render-gate.js';
import { ImageTooLargeError } from '../../../src/domain/domain-error.js';
import { DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import { Token } from '../../../src/domain/token.js';
import { createApplicationHarness, RENDER_SETTINGS } from '../../support/application-harness.js';
import { animatedGif, gradientJpeg, solidJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

/** Long enough never to fire in a test that does not wait for it. */
const NO_TIMEOUT = 60_000;

describe('UploadOriginal: limits and render slots', () => {
  it("an upload's decode takes a render slot: past concurrency and queue it is refused with OverloadedError, its token still usable", async () => {
    const gate = new RenderGate({ concurrency: 1, queueLimit: 0, timeoutMs: NO_TIMEOUT });
    const h = createApplicationHarness({ gate });
    const [first, second] = [uniqueId('slot'), uniqueId('slot')];
    const [firstToken, secondToken] = [(await h.issueToken.execute({ id: first })).token, (await h.issueToken.execute({ id: second })).token];
    const bytes = await gradientJpeg(64, 48);

    h.transformer.holdProbes();
    const running = h.uploadOriginal.execute({ id: first, token: firstToken, bytes });
    await h.transformer.probesFinished(1);
    expect(gate.active).to.equal(1);

    const refused = await expectRejection(h.uploadOriginal.execute({ id: second, token: secondToken, bytes }), OverloadedError);
    expect(refused.retryAfterSeconds).to.be.greaterThan(0);
    expect(h.transformer.probes).to.equal(1);
    expect((await h.tokens.find(Token.hashOf(secondToken)))?.usedAt).to.equal(undefined);

    h.transformer.releaseProbes();
    await running;
    expect(gate.active).to.equal(0);
    expect((await h.uploadOriginal.execute({ id: second, token: secondToken, bytes })).original.id).to.equal(second);
  });

  it('a render and an upload decode share the slots: with every slot rendering and no queue, an upload is refused before it decodes', async () => {
    const gate = new RenderGate({ concurrency: 1, queueLimit: 0, timeoutMs: NO_TIMEOUT });
    const h = createApplicationHarness({ gate });
    const shown = uniqueId('shown');
    await h.seedOriginal(shown, await gradientJpeg(64, 48));
    h.transformer.hold();
    const rendering = h.getRendition.execute({ request: h.request(`/${shown}_30_30.png`), accepts: new Set(), delivery: 'proxy' });
    await h.transformer.rendersStarted(1);

    const id = uniqueId('queued');
    const { token } = await h.issueToken.execute({ id });
    await expectRejection(h.uploadOriginal.execute({ id, token, bytes: await gradientJpeg(20, 20) }), OverloadedError);
    expect(h.transformer.probes).to.equal(0);

    h.transformer.release();
    expect((await rendering).kind).to.equal('rendered');
    await h.background.drain();
  });

  it('an animation with more frames than limits.maxFrames is refused with ImageTooLargeError from its header, before any decode', async () => {
    const h = createApplicationHarness({ render: { limits: { ...DEFAULT_LIMITS, maxFrames: 4 } } });
    const id = uniqueId('frames');
    const { token } = await h.issueToken.execute({ id });
    const error = await expectRejection(h.uploadOriginal.execute({ id, token, bytes: await animatedGif(8, 8, 5) }), ImageTooLargeError);
    expect(error.message).to.match(/5 frames, more than the limit of 4/);
    expect(h.transformer.probes).to.equal(0);
    expect(await h.index.findOriginal(id)).to.equal(undefined);
    expect((await h.uploadOriginal.execute({ id, token, bytes: await animatedGif(8, 8, 4) })).original.pages).to.equal(4);
  });

  it('an original over limits.maxInputPixels is refused from its header, before any decode', async () => {
    const h = createApplicationHarness({ render: { limits: { ...RENDER_SETTINGS.limits, maxInputPixels: 10_000 } } });
    const id = uniqueId('pixels');
    const { token } = await h.issueToken.execute({ id });
    await expectRejection(h.uploadOriginal.execute({ id, token, bytes: await solidJpeg(101, 100) }), ImageTooLargeError);
    expect(h.transformer.probes).to.equal(0);
    expect((await h.uploadOriginal.execute({ id, token, bytes: await solidJpeg(100, 100) })).original.width).to.equal(100);
  });
});
