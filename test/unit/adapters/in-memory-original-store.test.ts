import { expect } from 'chai';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { InMemoryOriginalStore } from '../../../src/adapters/in-memory/in-memory-original-store.js';
import { originalObjectKey } from '../../../src/domain/object-key.js';
import { contentVersionOf } from '../../../src/domain/original.js';
import { describeOriginalStoreContract } from '../../contract/original-store.contract.js';
import { someBytes } from '../../support/storage-fixtures.js';
import { uniqueId } from '../../support/unique-id.js';

describeOriginalStoreContract('InMemoryOriginalStore', async () => {
  const subject = new InMemoryOriginalStore();
  return {
    subject,
    cleanup: async () => undefined,
    simulateOutage: async () => subject.fail(new Error('injected outage')),
  };
});

describe('InMemoryOriginalStore', () => {
  it('counts successful puts and deletes and lists its keys', async () => {
    const store = new InMemoryOriginalStore();
    const bytes = someBytes(10);
    const key = { id: uniqueId(), version: contentVersionOf(bytes) };
    await store.put(key, bytes, 'image/png');
    await store.put(key, bytes, 'image/png');
    await store.delete(key);
    expect(store.puts).to.equal(2);
    expect(store.deletes).to.equal(1);
    expect(store.keys()).to.deep.equal([]);
    await store.put(key, bytes, 'image/png');
    expect(store.keys()).to.deep.equal([originalObjectKey(key)]);
    expect(store.contentTypeOf(key)).to.equal('image/png');
  });

  it('fails every call with the given cause until it recovers, keeping what it stored', async () => {
    const store = new InMemoryOriginalStore();
    const bytes = someBytes(10);
    const key = { id: uniqueId(), version: contentVersionOf(bytes) };
    await store.put(key, bytes, 'image/png');
    const cause = new Error('disk on fire');
    store.fail(cause);
    expect(store.failing).to.equal(true);
    for (const call of [() => store.get(key), () => store.put(key, bytes, 'image/png'), () => store.delete(key), () => store.check()]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect((error as Error).cause).to.equal(cause);
    }
    expect(store.puts).to.equal(1);
    store.recover();
    expect(store.failing).to.equal(false);
    expect(await store.get(key)).to.deep.equal(Uint8Array.from(bytes));
  });
});
