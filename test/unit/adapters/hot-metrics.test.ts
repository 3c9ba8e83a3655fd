import { expect } from 'chai';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../../../src/adapters/prometheus/hot-metrics.js';

/** One observation: a route and a duration, or a request's route, method and status. */
const observation = fc.record({
  route: fc.constantFrom('image', 'info', 'upload', 'token'),
  method: fc.constantFrom('GET', 'HEAD', 'POST'),
  status: fc.constantFrom(200, 303, 304, 404, 503),
  seconds: fc.oneof(fc.double({ min: 0, max: 20, noNaN: true }), fc.constantFrom(0.005, 0.01, 1, 10)),
});

describe('hot metrics: counted in plain maps, exposed as prom-client exposes its own', () => {
  it('print exactly what prom-client prints for the same observations, read once or several times', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(observation, { maxLength: 30 }), { minLength: 1, maxLength: 3 }), async (rounds) => {
        const theirs = new Registry();
        const ours = new Registry();
        const config = { name: 'x_requests_total', help: 'requests', labelNames: ['route', 'method', 'status'] as const };
        const histogram = { name: 'x_duration_seconds', help: 'time', labelNames: ['route'] as const };
        const counter = new Counter({ ...config, labelNames: [...config.labelNames], registers: [theirs] });
        const seconds = new Histogram({ ...histogram, labelNames: [...histogram.labelNames], registers: [theirs] });
        const hotCounter = new HotCounter({ ...config, registers: [ours] });
        const hotSeconds = new HotHistogram({ ...histogram, registers: [ours] });
        for (const round of rounds) {
          for (const { route, method, status, seconds: s } of round) {
            counter.inc({ route, method, status: String(status) });
            seconds.observe({ route }, s);
            hotCounter.inc(route, method, String(status));
            hotSeconds.observe(route, s);
          }
          expect(await ours.metrics()).to.equal(await theirs.metrics());
        }
      }),
      { numRuns: 60 },
    );
  });

  it('take other buckets, and start again after a reset', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const config = { name: 'r_seconds', help: 'renders', labelNames: ['format'] as const, buckets: [0.1, 1, 15] };
    const seconds = new Histogram({ ...config, labelNames: ['format'], registers: [theirs] });
    const hot = new HotHistogram({ ...config, registers: [ours] });
    for (const s of [0.05, 0.1, 0.5, 16, 2]) {
      seconds.observe({ format: 'avif' }, s);
      hot.observe('avif', s);
    }
    expect(await ours.metrics()).to.equal(await theirs.metrics());
    theirs.resetMetrics();
    ours.resetMetrics();
    expect(await ours.metrics()).to.equal(await theirs.metrics());
  });
});
