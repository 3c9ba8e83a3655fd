import { expect } from 'chai';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { InMemoryRenditionCache } from '../../../src/adapters/in-memory/in-memory-rendition-cache.js';
import { describeRenditionCacheContract } from '../../contract/rendition-cache.contract.js';
import { readAll, someBytes } from '../../support/storage-fixtures.js';
import { uniqueId } from '../../support/unique-id.js';

describeRenditionCacheContract(
  'InMemoryRenditionCache without a public base URL',
  async () => {
    const subject = new InMemoryRenditionCache();
    return {
      subject,
      cleanup: async () => undefined,
      simulateOutage: async () => subject.fail(new Error('injected outage')),
    };
  },
  { locate: 'none', contentType: 'stored' },
);

describeRenditionCacheContract(
  'InMemoryRenditionCache with a public base URL',
  async () => {
    const subject = new InMemoryRenditionCache('https://cdn.example.test/renditions');
    return { subject, cleanup: async () => undefined, simulateOutage: async () => subject.fail(new Error('injected outage')) };
  },
  { locate: 'public', contentType: 'stored', modelRuns: 5 },
);

describe('InMemoryRenditionCache', () => {
  const key = () => `${uniqueId()}/${'a'.repeat(16)}/${'b'.repeat(32)}.webp`;

  it('locates a key under the public base URL, with or without its trailing slash', async () => {
    const k = key();
    for (const base of ['https://cdn.example.test/r', 'https://cdn.example.test/r/']) {
      expect(await new InMemoryRenditionCache(base).locate(k)).to.deep.equal({
        url: `https://cdn.example.test/r/${k}`,
        expiresAt: undefined,
      });
    }
  });

  it('counts successful puts, opens and purges and lists its keys', async () => {
    const cache = new InMemoryRenditionCache();
    const k = key();
    await cache.put(k, someBytes(3), 'image/webp');
    await cache.open(k);
    await cache.open(key());
    expect(cache.keys()).to.deep.equal([k]);
    await cache.purge(k.slice(0, k.indexOf('/') + 1));
    expect([cache.puts, cache.opens, cache.purges]).to.deep.equal([1, 2, 1]);
    expect(cache.keys()).to.deep.equal([]);
  });

  it('fails every call with the given cause until it recovers, keeping what it stored', async () => {
    const cache = new InMemoryRenditionCache('https://cdn.example.test/');
    const k = key();
    const bytes = someBytes(10);
    await cache.put(k, bytes, 'image/webp');
    const cause = new Error('bucket gone');
    cache.fail(cause);
    expect(cache.failing).to.equal(true);
    for (const call of [
      () => cache.put(k, bytes, 'image/webp'),
      () => cache.open(k),
      () => cache.locate(k),
      () => cache.purge(`${k.split('/')[0]}/`),
      () => cache.check(),
    ]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as Error).cause).to.equal(cause);
    }
    cache.recover();
    const object = await cache.open(k);
    expect(Buffer.from(await readAll(object!.body)).equals(Buffer.from(bytes))).to.equal(true);
  });
});
