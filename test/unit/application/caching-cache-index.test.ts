import { expect } from 'chai';
import { CachingCacheIndex } from '../../../src/application/caching-cache-index.js';
import { InMemoryCacheIndex } from '../../../src/adapters/in-memory/in-memory-cache-index.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import type { OriginalMetadata } from '../../../src/domain/original.js';
import { describeCacheIndexContract } from '../../contract/cache-index.contract.js';
import { ManualClock } from '../../support/manual-clock.js';
import { OriginalMother, RenditionRecordMother } from '../../support/original-mother.js';

describeCacheIndexContract(
  'CachingCacheIndex over InMemoryCacheIndex',
  async () => {
    const inner = new InMemoryCacheIndex();
    return {
      subject: new CachingCacheIndex(inner, new ManualClock(), { ttlMs: 1000, maxEntries: 100 }),
      cleanup: async () => {},
      simulateOutage: async () => inner.fail(),
    };
  },
  { modelRuns: 200 },
);

describe('CachingCacheIndex', () => {
  /** Two replicas sharing one database: `replica` caches, `other` writes behind its back. */
  function setUp(options = { ttlMs: 1000, maxEntries: 100 }) {
    const database = new InMemoryCacheIndex();
    const clock = new ManualClock();
    return { database, clock, replica: new CachingCacheIndex(database, clock, options), other: database };
  }

  it('answers a found original from memory until the TTL runs out, then reads the index again', async () => {
    const { database, clock, replica, other } = setUp();
    const first = OriginalMother.random();
    await other.saveOriginal(first, { replace: false });
    expect(await replica.findOriginal(first.id)).to.deep.equal(first);

    const second = OriginalMother.random({ id: first.id });
    await other.saveOriginal(second, { replace: true });
    database.fail();
    expect(await replica.findOriginal(first.id), 'from memory, without the index').to.deep.equal(first);

    database.recover();
    clock.advanceSeconds(1);
    expect(await replica.findOriginal(first.id)).to.deep.equal(second);
  });

  it('sees its own writes at once: replace and delete', async () => {
    const { replica } = setUp();
    const first = OriginalMother.random();
    await replica.saveOriginal(first, { replace: false });
    expect(await replica.findOriginal(first.id)).to.deep.equal(first);
    const second = OriginalMother.random({ id: first.id });
    await replica.saveOriginal(second, { replace: true });
    expect(await replica.findOriginal(first.id)).to.deep.equal(second);
    await replica.deleteOriginal(first.id);
    expect(await replica.findOriginal(first.id)).to.equal(undefined);
  });

  it('does not remember a missing original: an upload on another replica is seen at once', async () => {
    const { replica, other } = setUp();
    const original = OriginalMother.random();
    expect(await replica.findOriginal(original.id)).to.equal(undefined);
    await other.saveOriginal(original, { replace: false });
    expect(await replica.findOriginal(original.id)).to.deep.equal(original);
  });

  it('never answers rendition lookups from memory: an index outage still shows', async () => {
    const { database, replica } = setUp();
    const original = OriginalMother.random();
    const rendition = RenditionRecordMother.of(original);
    await replica.saveOriginal(original, { replace: false });
    await replica.saveRendition(rendition);
    expect(await replica.findOriginal(original.id)).to.deep.equal(original);
    expect(await replica.findRendition(rendition.key)).to.deep.equal(rendition);
    database.fail();
    const error = await replica.findRendition(rendition.key).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(IndexUnavailableError);
  });

  it('keeps at most maxEntries originals, dropping the least recently used', async () => {
    const { replica, other } = setUp({ ttlMs: 60_000, maxEntries: 2 });
    const [a, b, c] = [OriginalMother.random(), OriginalMother.random(), OriginalMother.random()];
    for (const original of [a, b, c]) await other.saveOriginal(original, { replace: false });
    await replica.findOriginal(a.id);
    await replica.findOriginal(b.id);
    await replica.findOriginal(a.id); // a is now the most recent; b the least
    await replica.findOriginal(c.id); // evicts b
    const [a2, b2] = [OriginalMother.random({ id: a.id }), OriginalMother.random({ id: b.id })];
    await other.saveOriginal(a2, { replace: true });
    await other.saveOriginal(b2, { replace: true });
    expect(await replica.findOriginal(a.id), 'still remembered').to.deep.equal(a);
    expect(await replica.findOriginal(b.id), 'evicted, read again').to.deep.equal(b2);
  });

  it('does not remember a read that overlapped its own write (the read may have seen the old row)', async () => {
    const database = new InMemoryCacheIndex();
    let release: () => void = () => {};
    let hold = false;
    // The inner index answers reads only when released, so a write can happen in between.
    const slow = Object.assign(Object.create(database) as InMemoryCacheIndex, {
      findOriginal: async (id: ImageId): Promise<OriginalMetadata | undefined> => {
        const found = await database.findOriginal(id);
        if (hold) await new Promise<void>((resolve) => (release = resolve));
        return found;
      },
    });
    const replica = new CachingCacheIndex(slow, new ManualClock(), { ttlMs: 60_000, maxEntries: 10 });
    const first = OriginalMother.random();
    await replica.saveOriginal(first, { replace: false });
    hold = true;
    const reading = replica.findOriginal(first.id);
    const second = OriginalMother.random({ id: first.id });
    await replica.saveOriginal(second, { replace: true });
    release();
    expect(await reading).to.deep.equal(first);
    hold = false;
    expect(await replica.findOriginal(first.id)).to.deep.equal(second);
  });

  it('hands out copies: mutating a returned Date does not change what it answers next', async () => {
    const { replica } = setUp();
    const original = OriginalMother.random();
    await replica.saveOriginal(original, { replace: false });
    const expected = original.uploadedAt.getTime();
    (await replica.findOriginal(original.id))!.uploadedAt.setTime(0);
    expect((await replica.findOriginal(original.id))!.uploadedAt.getTime()).to.equal(expected);
  });
});
