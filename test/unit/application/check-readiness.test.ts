import { expect } from 'chai';
import { CheckReadiness } from '../../../src/application/use-cases/check-readiness.js';
import { InMemoryCacheIndex } from '../../../src/adapters/in-memory/in-memory-cache-index.js';
import { InMemoryOriginalStore } from '../../../src/adapters/in-memory/in-memory-original-store.js';
import { InMemoryRenditionCache } from '../../../src/adapters/in-memory/in-memory-rendition-cache.js';

/** An original store whose health check never answers, like a black-holed endpoint. */
class HangingOriginalStore extends InMemoryOriginalStore {
  override check(): Promise<void> {
    return new Promise(() => {});
  }
}

function components() {
  return { index: new InMemoryCacheIndex(), originals: new InMemoryOriginalStore(), renditions: new InMemoryRenditionCache() };
}

describe('CheckReadiness', () => {
  it('is ready when every component answers', async () => {
    const { index, originals, renditions } = components();
    const report = await new CheckReadiness(index, originals, renditions, 1000).execute();
    expect(report).to.deep.equal({ ready: true, checks: { index: { ok: true }, originals: { ok: true }, renditions: { ok: true } } });
  });

  it('is not ready when one component fails, and reports that component with its error', async () => {
    const { index, originals, renditions } = components();
    index.fail(new Error('connection refused'));
    const report = await new CheckReadiness(index, originals, renditions, 1000).execute();

    expect(report.ready).to.equal(false);
    expect(report.checks.originals).to.deep.equal({ ok: true });
    expect(report.checks.renditions).to.deep.equal({ ok: true });
    expect(report.checks.index.ok).to.equal(false);
    expect(report.checks.index).to.have.property('error').that.matches(/cache index unavailable/);
  });

  it('reports every failing component at once', async () => {
    const { index, originals, renditions } = components();
    originals.fail();
    renditions.fail();
    const report = await new CheckReadiness(index, originals, renditions, 1000).execute();
    expect(report.ready).to.equal(false);
    expect([report.checks.index.ok, report.checks.originals.ok, report.checks.renditions.ok]).to.deep.equal([true, false, false]);
  });

  it('a check that never answers times out and makes the service not ready', async () => {
    const { index, renditions } = components();
    const started = Date.now();
    const report = await new CheckReadiness(index, new HangingOriginalStore(), renditions, 50).execute();

    expect(report.ready).to.equal(false);
    expect(report.checks.originals).to.deep.equal({ ok: false, error: 'no answer within 50 ms' });
    expect(report.checks.index).to.deep.equal({ ok: true });
    expect(Date.now() - started, 'answered well under a second').to.be.below(1000);
  });
});
