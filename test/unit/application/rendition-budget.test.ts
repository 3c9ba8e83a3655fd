import { expect } from 'chai';
import { RenditionBudget } from '../../../src/application/rendition-budget.js';
import type { GetRenditionOutput } from '../../../src/application/use-cases/get-rendition.js';
import { InMemoryCacheIndex } from '../../../src/adapters/in-memory/in-memory-cache-index.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { createApplicationHarness, type ApplicationHarness } from '../../support/application-harness.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { uniqueId } from '../../support/unique-id.js';

/** Counts the statements that record uses: the point of batching is that hits do not each make one. */
class TouchCountingIndex extends InMemoryCacheIndex {
  touchCalls = 0;

  override async touchRenditions(keys: readonly string[], at: Date): Promise<void> {
    this.touchCalls++;
    return super.touchRenditions(keys, at);
  }
}

describe('RenditionBudget (SPEC §8 rendition budget)', () => {
  let jpeg: Buffer;

  before(async () => {
    jpeg = await gradientJpeg(400, 300);
  });

  async function world(maxRenditionBytes: number): Promise<{ h: ApplicationHarness; id: ImageId }> {
    const h = createApplicationHarness({ maxRenditionBytes });
    const id = uniqueId('img');
    await h.seedOriginal(id, jpeg);
    return { h, id };
  }

  /** Asks for one rendition and waits for its background store (and the eviction after it). */
  async function ask(h: ApplicationHarness, id: ImageId, width: number): Promise<GetRenditionOutput> {
    const output = await h.getRendition.execute({ request: h.request(`/${id}_${width}_0.png`), accepts: new Set(), delivery: 'proxy' });
    if (output.kind === 'stream') output.object.body.destroy?.();
    await h.background.drain();
    h.clock.advanceSeconds(1);
    return output;
  }

  /** Every row has its object and every object its row: eviction never leaves either behind. */
  async function expectRowsMatchObjects(h: ApplicationHarness): Promise<number> {
    const rows = await h.index.leastRecentlyUsed(1000);
    expect(rows.map((row) => row.key).sort()).to.deep.equal(h.cache.keys());
    return Math.max(0, ...rows.map((row) => row.bytes));
  }

  it('keeps the stored total within the budget plus one rendition, evicting the oldest; an evicted one renders again', async () => {
    const probe = await world(1_000_000_000);
    await ask(probe.h, probe.id, 200);
    const size = await probe.h.index.renditionBytes();
    const maxBytes = Math.floor(size * 3.5);
    const { h, id } = await world(maxBytes);

    for (let width = 200; width < 212; width++) {
      expect((await ask(h, id, width)).kind).to.equal('rendered');
      const largest = await expectRowsMatchObjects(h);
      expect(await h.index.renditionBytes()).to.be.at.most(maxBytes + largest);
    }
    expect(await h.index.renditionBytes()).to.be.at.most(maxBytes);
    expect(h.budget?.evictions).to.be.greaterThan(5);
    expect(h.budget?.storedBytes).to.equal(await h.index.renditionBytes());
    expect((await ask(h, id, 211)).kind, 'the newest is still stored').to.equal('stream');
    expect((await ask(h, id, 200)).kind, 'the oldest was evicted and renders again').to.equal('rendered');
  });

  it('evicts the least recently used, not the oldest: a hit keeps a rendition', async () => {
    const probe = await world(1_000_000_000);
    await ask(probe.h, probe.id, 200);
    const size = await probe.h.index.renditionBytes();
    const { h, id } = await world(Math.floor(size * 2.5));

    await ask(h, id, 200);
    await ask(h, id, 201);
    expect((await ask(h, id, 200)).kind, 'a hit on the older one').to.equal('stream');
    await ask(h, id, 202);

    expect((await ask(h, id, 200)).kind, 'used recently: kept').to.equal('stream');
    expect((await ask(h, id, 201)).kind, 'least recently used: evicted').to.equal('rendered');
  });

  it('records hits in memory and writes them in one statement per batch, not one per hit', async () => {
    const { h, id } = await world(1_000_000_000);
    const index = new TouchCountingIndex();
    const budget = new RenditionBudget({ index, cache: h.cache, clock: h.clock, logger: h.logger }, { maxBytes: 1_000_000_000 });
    await ask(h, id, 200);
    const [row] = await h.index.leastRecentlyUsed(1);
    if (row === undefined) throw new Error('no row stored');
    await index.saveRendition(row);

    for (let hit = 0; hit < 20; hit++) budget.used(row.key);
    expect(index.touchCalls).to.equal(0);
    await budget.flush();
    expect(index.touchCalls).to.equal(1);
    await budget.flush();
    expect(index.touchCalls, 'nothing new to write').to.equal(1);
    budget.used(row.key);
    await budget.stop();
    expect(index.touchCalls, 'the last uses are written on shutdown').to.equal(2);
  });

  it('lets two replicas evict at once: each rendition goes once, nothing fails, the total fits', async () => {
    const { h, id } = await world(1_000_000_000);
    for (let width = 200; width < 210; width++) await ask(h, id, width);
    const total = await h.index.renditionBytes();
    const maxBytes = Math.floor(total / 3);
    const replicas = [1, 2].map(() => new RenditionBudget({ index: h.index, cache: h.cache, clock: h.clock, logger: h.logger }, { maxBytes }));

    await Promise.all(replicas.map((budget) => budget.enforce()));

    expect(await h.index.renditionBytes()).to.be.at.most(maxBytes);
    await expectRowsMatchObjects(h);
    const evicted = 10 - h.cache.keys().length;
    expect(replicas.reduce((sum, budget) => sum + budget.evictions, 0)).to.equal(evicted);
    expect(h.logger.entries.filter((entry) => entry.level === 'warn')).to.deep.equal([]);
  });

  it('logs and carries on when the index fails during an eviction; the next store evicts', async () => {
    const { h, id } = await world(1);
    h.index.fail();
    await h.budget?.enforce();
    h.index.recover();
    expect(h.logger.entries.some((entry) => entry.level === 'warn' && entry.message.includes('eviction failed'))).to.equal(true);
    await ask(h, id, 200);
    expect(h.cache.keys()).to.deep.equal([]);
  });
});
