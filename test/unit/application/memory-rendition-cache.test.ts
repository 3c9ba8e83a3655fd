import { expect } from 'chai';
import { InMemoryRenditionCache } from '../../../src/adapters/in-memory/in-memory-rendition-cache.js';
import { MemoryRenditionCache } from '../../../src/application/memory-rendition-cache.js';
import type { StoredObject } from '../../../src/application/ports/rendition-cache.js';
import { describeRenditionCacheContract } from '../../contract/rendition-cache.contract.js';
import { readAll, someBytes } from '../../support/storage-fixtures.js';

describeRenditionCacheContract(
  'MemoryRenditionCache over InMemoryRenditionCache',
  async () => {
    const inner = new InMemoryRenditionCache();
    return {
      subject: new MemoryRenditionCache(inner, { maxBytes: 1024 * 1024, maxObjectBytes: 64 * 1024 }),
      cleanup: async () => undefined,
      simulateOutage: async () => inner.fail(new Error('injected outage')),
    };
  },
  { locate: 'none', contentType: 'stored' },
);

describe('MemoryRenditionCache', () => {
  /** Counts the store's opens, so a test can tell memory from the store. */
  function setUp(options = { maxBytes: 1000, maxObjectBytes: 400 }) {
    const inner = new InMemoryRenditionCache();
    let opens = 0;
    const counting = Object.assign(Object.create(inner) as InMemoryRenditionCache, {
      open: async (key: string): Promise<StoredObject | undefined> => {
        opens++;
        return inner.open(key);
      },
    });
    return { inner, memory: new MemoryRenditionCache(counting, options), opens: () => opens };
  }

  const body = async (object: StoredObject | undefined): Promise<Buffer> => Buffer.from(await readAll(object!.body));

  it('opens a small rendition from the store once, then from memory, with the same bytes, size and type', async () => {
    const { memory, opens } = setUp();
    const bytes = someBytes(300);
    await memory.put('a/1/x.jpg', bytes, 'image/jpeg');
    for (let round = 0; round < 3; round++) {
      const object = await memory.open('a/1/x.jpg');
      expect([object?.size, object?.contentType]).to.deep.equal([300, 'image/jpeg']);
      expect((await body(object)).equals(Buffer.from(bytes))).to.equal(true);
    }
    expect(opens()).to.equal(1);
  });

  it('streams larger renditions from the store every time', async () => {
    const { memory, opens } = setUp();
    await memory.put('a/1/big.jpg', someBytes(401), 'image/jpeg');
    for (let round = 0; round < 2; round++) expect((await body(await memory.open('a/1/big.jpg'))).length).to.equal(401);
    expect(opens()).to.equal(2);
  });

  it('keeps at most maxBytes, dropping the least recently used', async () => {
    const { memory, opens } = setUp();
    for (const key of ['k/1/a', 'k/1/b', 'k/1/c']) await memory.put(key, someBytes(400), 'image/png');
    for (const key of ['k/1/a', 'k/1/b', 'k/1/a', 'k/1/c']) await body(await memory.open(key));
    expect(opens(), 'a, b, c from the store').to.equal(3);
    await body(await memory.open('k/1/a'));
    expect(opens(), 'a was kept (used before c)').to.equal(3);
    await body(await memory.open('k/1/b'));
    expect(opens(), 'b was dropped for c').to.equal(4);
  });

  it('forgets what is deleted, purged or stored again under the key', async () => {
    const { inner, memory } = setUp();
    await memory.put('p/1/a', someBytes(10), 'image/png');
    await memory.put('p/1/b', someBytes(10), 'image/png');
    await body(await memory.open('p/1/a'));
    await body(await memory.open('p/1/b'));
    await memory.delete('p/1/a');
    expect(await memory.open('p/1/a')).to.equal(undefined);
    await memory.purge('p/');
    expect(await memory.open('p/1/b')).to.equal(undefined);
    const replaced = someBytes(20);
    await inner.put('p/1/c', someBytes(10), 'image/png');
    await body(await memory.open('p/1/c'));
    await memory.put('p/1/c', replaced, 'image/webp');
    const object = await memory.open('p/1/c');
    expect([object?.size, object?.contentType]).to.deep.equal([20, 'image/webp']);
  });

  it('reports a stored object shorter than its size as what it is, and does not keep it', async () => {
    const { inner } = setUp();
    await inner.put('t/1/a', someBytes(100), 'image/png');
    let opens = 0;
    const truncated = Object.assign(Object.create(inner) as InMemoryRenditionCache, {
      open: async (key: string): Promise<StoredObject | undefined> => {
        opens++;
        const object = await inner.open(key);
        return object && { ...object, size: 200 };
      },
    });
    const memoryOverTruncated = new MemoryRenditionCache(truncated, { maxBytes: 1000, maxObjectBytes: 400 });
    expect((await memoryOverTruncated.open('t/1/a'))?.size).to.equal(100);
    expect((await memoryOverTruncated.open('t/1/a'))?.size).to.equal(100);
    expect(opens, 'read from the store both times').to.equal(2);
  });
});
