import { expect } from 'chai';
import { CachingCacheIndex, type CachingCacheIndexOptions } from '../../../src/application/caching-cache-index.js';
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

describeCacheIndexContract(
  'CachingCacheIndex with rendition rows in memory over InMemoryCacheIndex',
  async () => {
    const inner = new InMemoryCacheIndex();
    return {
      subject: new CachingCacheIndex(inner, new ManualClock(), { ttlMs: 1000, maxEntries: 100, renditions: { ttlMs: 60_000, maxEntries: 100 } }),
      cleanup: async () => {},
      simulateOutage: async () => inner.fail(),
    };
  },
  { modelRuns: 200 },
);

describe('CachingCacheIndex', () => {
  /** Two replicas sharing one database: `replica` caches, `other` writes behind its back. */
  function setUp(options: CachingCacheIndexOptions = { ttlMs: 1000, maxEntries: 100 }) {
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

  it('keeps the same row object across a TTL refresh that finds it unchanged, and a new one when it changed (known reads key on it)', async () => {
    const { clock, replica, other } = setUp();
    const first = OriginalMother.random();
    await other.saveOriginal(first, { replace: false });
    await replica.findOriginal(first.id);
    const known = replica.knownOriginal(first.id);
    expect(known).to.deep.equal(first);
    clock.advanceSeconds(1);
    expect(replica.knownOriginal(first.id), 'past its TTL').to.equal(undefined);
    await replica.findOriginal(first.id);
    expect(replica.knownOriginal(first.id), 'read again, unchanged').to.equal(known);
    await other.saveOriginal(OriginalMother.random({ id: first.id }), { replace: true });
    clock.advanceSeconds(1);
    await replica.findOriginal(first.id);
    expect(replica.knownOriginal(first.id), 'read again, changed').to.not.equal(known);
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

  it('without rendition memory, every rendition lookup asks the index: an outage shows', async () => {
    const { database, replica } = setUp();
    const original = OriginalMother.random();
    const rendition = RenditionRecordMother.of(original);
    await replica.saveOriginal(original, { replace: false });
    await replica.saveRendition(rendition);
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

  describe('with rendition rows in memory', () => {
    const options = { ttlMs: 1000, maxEntries: 100, renditions: { ttlMs: 60_000, maxEntries: 100 } };

    async function stored() {
      const state = setUp(options);
      const original = OriginalMother.random();
      const rendition = RenditionRecordMother.of(original);
      await state.other.saveOriginal(original, { replace: false });
      await state.other.saveRendition(rendition);
      return { ...state, original, rendition };
    }

    it('answers a known rendition row from memory until its TTL runs out', async () => {
      const { database, clock, replica, rendition } = await stored();
      expect(await replica.findRendition(rendition.key)).to.deep.equal(rendition);
      await database.deleteRendition(rendition.key);
      expect(await replica.findRendition(rendition.key), 'from memory: the removal was not announced').to.deep.equal(rendition);
      clock.advanceSeconds(60);
      expect(await replica.findRendition(rendition.key)).to.equal(undefined);
    });

    it('does not remember a missing row: a rendition stored elsewhere is seen at once', async () => {
      const { replica, other, original } = await stored();
      const later = RenditionRecordMother.of(original);
      expect(await replica.findRendition(later.key)).to.equal(undefined);
      await other.saveRendition(later);
      expect(await replica.findRendition(later.key)).to.deep.equal(later);
    });

    it('forgets at once what it removes itself: one row, a version, an original', async () => {
      const { replica, original, rendition } = await stored();
      const second = RenditionRecordMother.of(original);
      await replica.saveRendition(second);
      await replica.findRendition(rendition.key);
      await replica.deleteRendition(rendition.key);
      expect(await replica.findRendition(rendition.key)).to.equal(undefined);
      expect(await replica.findRendition(second.key)).to.deep.equal(second);
      await replica.deleteRenditionsOfVersion(original.id, original.version);
      expect(await replica.findRendition(second.key)).to.equal(undefined);
      const third = RenditionRecordMother.of(original);
      await replica.saveRendition(third);
      await replica.deleteOriginal(original.id);
      expect(await replica.findRendition(third.key)).to.equal(undefined);
      expect(await replica.findOriginal(original.id)).to.equal(undefined);
    });

    it('forgets what another process announces: a removed row, a removed or replaced original', async () => {
      const { database, replica, original, rendition } = await stored();
      await replica.findRendition(rendition.key);
      await database.deleteRendition(rendition.key);
      replica.forget({ kind: 'rendition', key: rendition.key });
      expect(await replica.findRendition(rendition.key)).to.equal(undefined);

      const again = RenditionRecordMother.of(original);
      await database.saveRendition(again);
      await replica.findOriginal(original.id);
      await replica.findRendition(again.key);
      await database.deleteOriginal(original.id);
      replica.forget({ kind: 'original', id: original.id });
      expect(await replica.findRendition(again.key)).to.equal(undefined);
      expect(await replica.findOriginal(original.id)).to.equal(undefined);
    });

    it('after an unknown change, asks the index again before answering what it remembers', async () => {
      const { database, replica, rendition } = await stored();
      await replica.findRendition(rendition.key);
      await database.deleteRendition(rendition.key);
      replica.forget({ kind: 'unknown' });
      expect(await replica.findRendition(rendition.key)).to.equal(undefined);
    });

    it('answers known rows while the index is unavailable, even past their TTL; unknown ones fail', async () => {
      const { database, clock, replica, original, rendition } = await stored();
      await replica.findOriginal(original.id);
      await replica.findRendition(rendition.key);
      database.fail();
      clock.advanceSeconds(3600);
      replica.forget({ kind: 'unknown' });
      expect(await replica.findOriginal(original.id)).to.deep.equal(original);
      expect(await replica.findRendition(rendition.key)).to.deep.equal(rendition);
      const unknown = RenditionRecordMother.of(original);
      expect(await replica.findRendition(unknown.key).catch((e: unknown) => e)).to.be.instanceOf(IndexUnavailableError);
      expect(await replica.findOriginal(OriginalMother.random().id).catch((e: unknown) => e)).to.be.instanceOf(IndexUnavailableError);
    });

    it('rests after a failure: known rows are answered without asking the index again for a while', async () => {
      const { database, clock, rendition } = await stored();
      let asked = 0;
      const counting = Object.assign(Object.create(database) as InMemoryCacheIndex, {
        findRendition: async (key: string) => {
          asked++;
          return database.findRendition(key);
        },
      });
      const resting = new CachingCacheIndex(counting, clock, { ...options, restAfterFailureMs: 1000 });
      await resting.findRendition(rendition.key);
      database.fail();
      resting.forget({ kind: 'unknown' });
      await resting.findRendition(rendition.key);
      await resting.findRendition(rendition.key);
      expect(asked, 'one failed attempt, then memory').to.equal(2);
      clock.advanceSeconds(1);
      await resting.findRendition(rendition.key);
      expect(asked).to.equal(3);
    });

    it('remembers what it stores itself, and keeps at most maxEntries rows', async () => {
      const state = setUp({ ...options, renditions: { ttlMs: 60_000, maxEntries: 2 } });
      const original = OriginalMother.random();
      await state.replica.saveOriginal(original, { replace: false });
      const rows = [RenditionRecordMother.of(original), RenditionRecordMother.of(original), RenditionRecordMother.of(original)];
      for (const row of rows) await state.replica.saveRendition(row);
      state.database.fail();
      expect(await state.replica.findRendition(rows[2]!.key)).to.deep.equal(rows[2]);
      expect(await state.replica.findRendition(rows[1]!.key)).to.deep.equal(rows[1]);
      expect(await state.replica.findRendition(rows[0]!.key).catch((e: unknown) => e), 'dropped: the least recently used').to.be.instanceOf(IndexUnavailableError);
    });
  });
});
