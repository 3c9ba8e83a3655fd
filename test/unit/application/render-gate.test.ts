import { expect } from 'chai';
import fc from 'fast-check';
import { OverloadedError, RenderTimeoutError } from '../../../src/application/application-error.js';
import { RenderGate } from '../../../src/application/render-gate.js';
import { GetRendition, type GetRenditionInput } from '../../../src/application/use-cases/get-rendition.js';
import { createApplicationHarness, RENDER_SETTINGS } from '../../support/application-harness.js';
import { Gate, settle } from '../../support/gate.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

/** Long enough never to fire in a test that does not wait for it. */
const NO_TIMEOUT = 60_000;

/** Work that stays in flight until its gate opens, recording how many run at once. */
function heldWork(gate: Gate, gauge: { now: number; max: number }) {
  return async (): Promise<string> => {
    gauge.now += 1;
    gauge.max = Math.max(gauge.max, gauge.now);
    try {
      await gate.wait();
      return 'done';
    } finally {
      gauge.now -= 1;
    }
  };
}

describe('RenderGate', () => {
  it('never runs more than `concurrency` at once, queues up to `queueLimit`, refuses the rest with 503 semantics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 14 }), async (concurrency, queueLimit, jobs) => {
        const renderGate = new RenderGate({ concurrency, queueLimit, timeoutMs: NO_TIMEOUT });
        const hold = new Gate();
        hold.close();
        const gauge = { now: 0, max: 0 };
        const outcomes = Array.from({ length: jobs }, () => renderGate.run(heldWork(hold, gauge)).then(() => 'done', (error: unknown) => error));
        await settle();
        const admitted = Math.min(jobs, concurrency);
        const queued = Math.min(jobs - admitted, queueLimit);
        expect(renderGate.active).to.equal(admitted);
        expect(renderGate.waiting).to.equal(queued);
        hold.open();
        const settled = await Promise.all(outcomes);
        const refused = settled.filter((outcome) => outcome !== 'done');
        expect(refused).to.have.length(jobs - admitted - queued);
        for (const error of refused) {
          expect(error).to.be.instanceOf(OverloadedError);
          expect((error as OverloadedError).retryAfterSeconds).to.be.greaterThan(0);
        }
        expect(gauge.max).to.be.at.most(concurrency);
        expect([renderGate.active, renderGate.waiting]).to.deep.equal([0, 0]);
      }),
      { numRuns: 60 },
    );
  });

  it('admits waiters first come, first served', async () => {
    const renderGate = new RenderGate({ concurrency: 1, queueLimit: 5, timeoutMs: NO_TIMEOUT });
    const hold = new Gate();
    hold.close();
    const order: number[] = [];
    const runs = [0, 1, 2, 3].map((n) =>
      renderGate.run(async () => {
        order.push(n);
        await hold.wait();
      }),
    );
    await settle();
    hold.open();
    await Promise.all(runs);
    expect(order).to.deep.equal([0, 1, 2, 3]);
  });

  it('fails a render that outlasts the time limit with RenderTimeoutError, but keeps its slot until the work really ends', async () => {
    const renderGate = new RenderGate({ concurrency: 1, queueLimit: 1, timeoutMs: 50 });
    const stuck = new Gate();
    stuck.close();
    const abandoned = renderGate.run(async () => {
      await stuck.wait();
      throw new Error('late failure of abandoned work');
    });
    await settle();
    await expectRejection(abandoned, RenderTimeoutError);
    // The caller has its 504, but libvips is still busy: the slot stays taken, so a further render is refused
    // (the queue holds one) rather than run beside it.
    expect(renderGate.active).to.equal(1);
    let nextRan = false;
    const next = renderGate.run(async () => {
      nextRan = true;
      return 'next ran';
    });
    await expectRejection(renderGate.run(async () => 'third'), OverloadedError);
    await settle();
    expect([nextRan, renderGate.waiting]).to.deep.equal([false, 1]);
    // The abandoned work fails later; that hands the slot on and must not become an unhandled rejection.
    stuck.open();
    expect(await next).to.equal('next ran');
    expect([renderGate.active, renderGate.waiting]).to.deep.equal([0, 0]);
  });

  it('fails a queued render whose wait outlasts the time limit, and forgets it', async () => {
    const renderGate = new RenderGate({ concurrency: 1, queueLimit: 2, timeoutMs: 100 });
    const hold = new Gate();
    hold.close();
    // a holds the slot past its time limit (its work never ends until `hold` opens); b and c queue behind it and
    // are refused when their waits reach the limit, although a's caller has long had its answer.
    const a = renderGate.run(async () => hold.wait());
    await settle();
    const b = renderGate.run(async () => 'never');
    const c = renderGate.run(async () => 'never');
    expect(renderGate.waiting).to.equal(2);
    await expectRejection(a, RenderTimeoutError);
    const [, error] = await Promise.all([expectRejection(b, OverloadedError), expectRejection(c, OverloadedError)]);
    expect(error.message).to.match(/no render slot became free/);
    expect([renderGate.active, renderGate.waiting]).to.deep.equal([1, 0]);
    hold.open();
    await settle();
    expect(renderGate.active).to.equal(0);
    expect(await renderGate.run(async () => 'free again')).to.equal('free again');
  });

  it('releases the slot when the work throws', async () => {
    const renderGate = new RenderGate({ concurrency: 1, queueLimit: 0, timeoutMs: NO_TIMEOUT });
    await expectRejection(
      renderGate.run(async () => {
        throw new TypeError('boom');
      }),
      TypeError,
    );
    expect(renderGate.active).to.equal(0);
    expect(await renderGate.run(async () => 1)).to.equal(1);
  });

  it('refuses nonsensical settings', () => {
    expect(() => new RenderGate({ concurrency: 0, queueLimit: 0, timeoutMs: 1 })).to.throw(RangeError);
    expect(() => new RenderGate({ concurrency: 1, queueLimit: -1, timeoutMs: 1 })).to.throw(RangeError);
  });
});

describe('GetRendition behind a RenderGate', () => {
  async function world() {
    const h = createApplicationHarness();
    const renderGate = new RenderGate({ concurrency: 1, queueLimit: 0, timeoutMs: NO_TIMEOUT });
    const getRendition = new GetRendition({ ...h, settings: RENDER_SETTINGS, gate: renderGate });
    const id = uniqueId('gated');
    await h.seedOriginal(id, await gradientJpeg(64, 48));
    const input = (path: string): GetRenditionInput => ({ request: h.request(path), accepts: new Set(), delivery: 'proxy' });
    return { h, renderGate, getRendition, id, input };
  }

  it('answers a cache hit while every render slot is taken, and refuses a further miss with OverloadedError', async () => {
    const { h, renderGate, getRendition, id, input } = await world();
    const warm = await getRendition.execute(input(`/${id}_20_20.png`));
    expect(warm.kind).to.equal('rendered');
    await h.background.drain();

    h.transformer.hold();
    const blocking = getRendition.execute(input(`/${id}_30_30.png`));
    await h.transformer.rendersStarted(2);
    expect(renderGate.active).to.equal(1);

    const hit = await getRendition.execute(input(`/${id}_20_20.png`));
    expect(hit.kind).to.equal('stream');
    await expectRejection(getRendition.execute(input(`/${id}_40_40.png`)), OverloadedError);

    h.transformer.release();
    expect((await blocking).kind).to.equal('rendered');
    await h.background.drain();
    expect(renderGate.active).to.equal(0);
  });

  it('shares one slot between identical concurrent misses (they coalesce before the gate)', async () => {
    const { h, renderGate, getRendition, id, input } = await world();
    h.transformer.hold();
    const first = getRendition.execute(input(`/${id}_30_30.png`));
    await h.transformer.rendersStarted(1);
    const second = getRendition.execute(input(`/${id}_30_30.png`));
    await settle();
    expect(renderGate.waiting).to.equal(0);
    h.transformer.release();
    const [a, b] = await Promise.all([first, second]);
    expect([a.kind, b.kind]).to.deep.equal(['rendered', 'rendered']);
    expect(b.kind === 'rendered' && b.coalesced).to.equal(true);
    expect(h.transformer.renders).to.equal(1);
    await h.background.drain();
  });
});
