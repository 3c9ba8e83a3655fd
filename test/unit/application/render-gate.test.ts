import { expect } from 'chai';
import fc from 'fast-check';
import { OverloadedError, RenderTimeoutError } from '../../../src/application/application-error.js';
import { HEAVY_WORK_MS, RenderGate } from '../../../src/application/render-gate.js';
import { GetRendition, type GetRenditionInput } from '../../../src/application/use-cases/get-rendition.js';
import { createApplicationHarness, RENDER_SETTINGS } from '../../support/application-harness.js';
import { Gate, settle } from '../../support/gate.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

/** Long enough never to fire in a test that does not wait for it. */
const NO_TIMEOUT = 60_000;

/** CPU estimates on either side of the heavy lane's threshold. */
const LIGHT = HEAVY_WORK_MS - 1;
const HEAVY = HEAVY_WORK_MS;

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

/** A run whose work records its start in `started` and lasts until `finish()`. */
function controlledRun(renderGate: RenderGate, estimatedMs: number, name: string, started: string[]) {
  const hold = new Gate();
  hold.close();
  const outcome = renderGate.run(async () => {
    started.push(name);
    await hold.wait();
    return name;
  }, estimatedMs);
  return { outcome, finish: () => hold.open() };
}

describe('RenderGate', () => {
  it('never runs more than `concurrency` at once, queues up to `queueLimit`, refuses the rest with 503 semantics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 14 }), async (concurrency, queueLimit, jobs) => {
        const renderGate = new RenderGate({ concurrency, queueLimit, timeoutMs: NO_TIMEOUT });
        const hold = new Gate();
        hold.close();
        const gauge = { now: 0, max: 0 };
        const outcomes = Array.from({ length: jobs }, () => renderGate.run(heldWork(hold, gauge), LIGHT).then(() => 'done', (error: unknown) => error));
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

  it('refuseIfFull throws what run would throw at once: only with no slot it could take free and the queue full', async () => {
    const renderGate = new RenderGate({ concurrency: 2, queueLimit: 1, timeoutMs: NO_TIMEOUT });
    const hold = new Gate();
    hold.close();
    const gauge = { now: 0, max: 0 };
    const runs: Array<Promise<unknown>> = [];
    const run = (estimatedMs: number) => runs.push(renderGate.run(heldWork(hold, gauge), estimatedMs).catch((error: unknown) => error));
    renderGate.refuseIfFull(HEAVY);
    run(HEAVY);
    await settle();
    // The heavy lane (one slot of two) is taken, the queue is not full: heavy work would wait, not be refused.
    renderGate.refuseIfFull(HEAVY);
    run(HEAVY);
    await settle();
    expect([renderGate.active, renderGate.waiting]).to.deep.equal([1, 1]);
    expect(() => renderGate.refuseIfFull(HEAVY)).to.throw(OverloadedError);
    // Light work may still take the other slot.
    renderGate.refuseIfFull(LIGHT);
    run(LIGHT);
    await settle();
    expect(() => renderGate.refuseIfFull(LIGHT)).to.throw(OverloadedError, /2 renders are running and 1 waiting/);
    hold.open();
    expect(await Promise.all(runs)).to.deep.equal(['done', 'done', 'done']);
    renderGate.refuseIfFull(HEAVY);
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
      }, LIGHT),
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
    }, LIGHT);
    await settle();
    await expectRejection(abandoned, RenderTimeoutError);
    // The caller has its 504, but libvips is still busy: the slot stays taken, so a further render is refused
    // (the queue holds one) rather than run beside it.
    expect(renderGate.active).to.equal(1);
    let nextRan = false;
    const next = renderGate.run(async () => {
      nextRan = true;
      return 'next ran';
    }, LIGHT);
    await expectRejection(renderGate.run(async () => 'third', LIGHT), OverloadedError);
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
    const a = renderGate.run(async () => hold.wait(), LIGHT);
    await settle();
    const b = renderGate.run(async () => 'never', LIGHT);
    const c = renderGate.run(async () => 'never', LIGHT);
    expect(renderGate.waiting).to.equal(2);
    await expectRejection(a, RenderTimeoutError);
    const [, error] = await Promise.all([expectRejection(b, OverloadedError), expectRejection(c, OverloadedError)]);
    expect(error.message).to.match(/no render slot became free/);
    expect([renderGate.active, renderGate.waiting]).to.deep.equal([1, 0]);
    hold.open();
    await settle();
    expect(renderGate.active).to.equal(0);
    expect(await renderGate.run(async () => 'free again', LIGHT)).to.equal('free again');
  });

  it('releases the slot when the work throws', async () => {
    const renderGate = new RenderGate({ concurrency: 1, queueLimit: 0, timeoutMs: NO_TIMEOUT });
    await expectRejection(
      renderGate.run(async () => {
        throw new TypeError('boom');
      }, LIGHT),
      TypeError,
    );
    expect(renderGate.active).to.equal(0);
    expect(await renderGate.run(async () => 1, LIGHT)).to.equal(1);
  });

  it('refuses nonsensical settings', () => {
    expect(() => new RenderGate({ concurrency: 0, queueLimit: 0, timeoutMs: 1 })).to.throw(RangeError);
    expect(() => new RenderGate({ concurrency: 1, queueLimit: -1, timeoutMs: 1 })).to.throw(RangeError);
  });

  describe('heavy lane', () => {
    it('lets heavy work hold at most concurrency − 1 slots, so light work still starts at once', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 2, max: 5 }), async (concurrency) => {
          const renderGate = new RenderGate({ concurrency, queueLimit: concurrency, timeoutMs: NO_TIMEOUT });
          const started: string[] = [];
          const heavy = Array.from({ length: concurrency }, (_, n) => controlledRun(renderGate, HEAVY, `heavy ${n}`, started));
          await settle();
          expect([renderGate.activeHeavy, renderGate.waiting]).to.deep.equal([concurrency - 1, 1]);
          const light = controlledRun(renderGate, LIGHT, 'light', started);
          await settle();
          expect(started).to.include('light');
          expect([renderGate.active, renderGate.waiting]).to.deep.equal([concurrency, 1]);
          light.finish();
          for (const run of heavy) run.finish();
          expect(await Promise.all([light.outcome, ...heavy.map((run) => run.outcome)])).to.have.length(concurrency + 1);
          expect([renderGate.active, renderGate.activeHeavy, renderGate.waiting]).to.deep.equal([0, 0, 0]);
        }),
        { numRuns: 10 },
      );
    });

    it('admits a light waiter before an older heavy one that the full heavy lane holds back, and heavy work first come, first served', async () => {
      const renderGate = new RenderGate({ concurrency: 2, queueLimit: 5, timeoutMs: NO_TIMEOUT });
      const started: string[] = [];
      const h1 = controlledRun(renderGate, HEAVY, 'h1', started);
      const l1 = controlledRun(renderGate, LIGHT, 'l1', started);
      await settle();
      const h2 = controlledRun(renderGate, HEAVY, 'h2', started);
      const h3 = controlledRun(renderGate, HEAVY, 'h3', started);
      const l2 = controlledRun(renderGate, LIGHT, 'l2', started);
      await settle();
      expect(renderGate.waiting).to.equal(3);
      // l1's slot is free, but only for light work: h2 and h3 wait for h1's.
      l1.finish();
      await settle();
      expect(started).to.deep.equal(['h1', 'l1', 'l2']);
      h1.finish();
      await settle();
      expect(started).to.deep.equal(['h1', 'l1', 'l2', 'h2']);
      h2.finish();
      await settle();
      expect(started).to.deep.equal(['h1', 'l1', 'l2', 'h2', 'h3']);
      l2.finish();
      h3.finish();
      expect(await Promise.all([h1, l1, h2, h3, l2].map((run) => run.outcome))).to.deep.equal(['h1', 'l1', 'h2', 'h3', 'l2']);
    });

    it('gives a freed slot to the oldest waiter that may run, heavy or light', async () => {
      const renderGate = new RenderGate({ concurrency: 2, queueLimit: 5, timeoutMs: NO_TIMEOUT });
      const started: string[] = [];
      const l1 = controlledRun(renderGate, LIGHT, 'l1', started);
      const l2 = controlledRun(renderGate, LIGHT, 'l2', started);
      await settle();
      const h1 = controlledRun(renderGate, HEAVY, 'h1', started);
      const l3 = controlledRun(renderGate, LIGHT, 'l3', started);
      await settle();
      l1.finish();
      await settle();
      // The heavy lane is empty, so h1 is not held back: it came first.
      expect(started).to.deep.equal(['l1', 'l2', 'h1']);
      l2.finish();
      h1.finish();
      l3.finish();
      await Promise.all([l1, l2, h1, l3].map((run) => run.outcome));
      expect(started).to.deep.equal(['l1', 'l2', 'h1', 'l3']);
    });

    it('shares the one slot first come, first served when concurrency is 1', async () => {
      const renderGate = new RenderGate({ concurrency: 1, queueLimit: 5, timeoutMs: NO_TIMEOUT });
      const started: string[] = [];
      const runs = [
        controlledRun(renderGate, HEAVY, 'h1', started),
        controlledRun(renderGate, HEAVY, 'h2', started),
        controlledRun(renderGate, LIGHT, 'l1', started),
      ];
      for (const run of runs) {
        await settle();
        run.finish();
      }
      await Promise.all(runs.map((run) => run.outcome));
      expect(started).to.deep.equal(['h1', 'h2', 'l1']);
    });

    it('counts heavy waiters against the queue limit and refuses a heavy wait past the time limit with 503 semantics', async () => {
      const renderGate = new RenderGate({ concurrency: 2, queueLimit: 1, timeoutMs: 100 });
      const started: string[] = [];
      const h1 = controlledRun(renderGate, HEAVY, 'h1', started);
      const h1Timeout = expectRejection(h1.outcome, RenderTimeoutError);
      await settle();
      const h2 = controlledRun(renderGate, HEAVY, 'h2', started);
      const h2Wait = expectRejection(h2.outcome, OverloadedError);
      const l1 = controlledRun(renderGate, LIGHT, 'l1', started);
      await settle();
      expect([started, renderGate.waiting]).to.deep.equal([['h1', 'l1'], 1]);
      // The queue holds h2: one more of either kind is refused at once.
      for (const estimatedMs of [HEAVY, LIGHT]) {
        const refused = await expectRejection(renderGate.run(async () => 'never', estimatedMs), OverloadedError);
        expect(refused.retryAfterSeconds).to.be.greaterThan(0);
      }
      l1.finish();
      expect(await l1.outcome).to.equal('l1');
      await settle();
      // A slot is free, but only for light work: h2 is refused when its wait reaches the limit.
      expect([renderGate.active, renderGate.waiting]).to.deep.equal([1, 1]);
      expect((await h2Wait).message).to.match(/no render slot became free/);
      await h1Timeout;
      h1.finish();
      await settle();
      expect(started).to.deep.equal(['h1', 'l1']);
      expect([renderGate.active, renderGate.activeHeavy, renderGate.waiting]).to.deep.equal([0, 0, 0]);
    });

    it('keeps a heavy slot until the heavy work really ends, past its 504', async () => {
      const renderGate = new RenderGate({ concurrency: 2, queueLimit: 2, timeoutMs: 50 });
      const started: string[] = [];
      const h1 = controlledRun(renderGate, HEAVY, 'h1', started);
      await expectRejection(h1.outcome, RenderTimeoutError);
      const h2 = controlledRun(renderGate, HEAVY, 'h2', started);
      const l1 = controlledRun(renderGate, LIGHT, 'l1', started);
      await settle();
      expect(started).to.deep.equal(['h1', 'l1']);
      expect([renderGate.activeHeavy, renderGate.waiting]).to.deep.equal([1, 1]);
      h1.finish();
      await settle();
      expect(started).to.deep.equal(['h1', 'l1', 'h2']);
      h2.finish();
      l1.finish();
      await Promise.allSettled([h2.outcome, l1.outcome]);
      expect([renderGate.active, renderGate.activeHeavy]).to.deep.equal([0, 0]);
    });
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

  it("refuses a miss that the full gate would turn away before looking up its original's file", async () => {
    const { h, renderGate, id, input } = await world();
    let lookups = 0;
    const originals = {
      get: (original: Parameters<typeof h.originals.get>[0]) => h.originals.get(original),
      local: async () => {
        lookups++;
        return undefined;
      },
    } as unknown as typeof h.originals;
    const getRendition = new GetRendition({ ...h, originals, settings: RENDER_SETTINGS, gate: renderGate });
    h.transformer.hold();
    const blocking = getRendition.execute(input(`/${id}_30_30.png`));
    await h.transformer.rendersStarted(1);
    expect(lookups).to.equal(1);
    await expectRejection(getRendition.execute(input(`/${id}_40_40.png`)), OverloadedError);
    expect(lookups, 'the refused miss looked nothing up').to.equal(1);
    h.transformer.release();
    expect((await blocking).kind).to.equal('rendered');
    await h.background.drain();
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

  it('tells the gate what a miss costs: a render over the heavy threshold takes the heavy lane, and a light miss still gets the other slot', async () => {
    const h = createApplicationHarness();
    const renderGate = new RenderGate({ concurrency: 2, queueLimit: 2, timeoutMs: NO_TIMEOUT });
    const getRendition = new GetRendition({ ...h, settings: RENDER_SETTINGS, gate: renderGate });
    const id = uniqueId('lanes');
    await h.seedOriginal(id, await gradientJpeg(64, 48));
    const input = (path: string): GetRenditionInput => ({ request: h.request(path), accepts: new Set(), delivery: 'proxy' });
    h.transformer.hold();
    // 1200x900 of GIF: about 1.5 s of CPU by the cost model, heavy; the second one waits for the heavy lane.
    const heavy = getRendition.execute(input(`/${id}_1200_900.gif`));
    await h.transformer.rendersStarted(1);
    const heavyQueued = getRendition.execute(input(`/${id}_1400_1050.gif`));
    await settle();
    expect([renderGate.activeHeavy, renderGate.waiting]).to.deep.equal([1, 1]);
    const light = getRendition.execute(input(`/${id}_30_30.png`));
    await h.transformer.rendersStarted(2);
    expect([renderGate.active, renderGate.activeHeavy, renderGate.waiting]).to.deep.equal([2, 1, 1]);
    h.transformer.release();
    const results = await Promise.all([heavy, heavyQueued, light]);
    expect(results.map((result) => result.kind)).to.deep.equal(['rendered', 'rendered', 'rendered']);
    await h.background.drain();
  });
});
