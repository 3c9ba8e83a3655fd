import { expect } from 'chai';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { LOCAL_FILE_HEAD_BYTES } from '../../../src/application/ports/original-store.js';
import { ObjectFolder } from '../../../src/adapters/filesystem/object-folder.js';
import { BucketOriginalStore } from '../../../src/adapters/object-storage/bucket-original-store.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { contentVersionOf, type OriginalKey } from '../../../src/domain/original.js';
import { describeOriginalStoreContract } from '../../contract/original-store.contract.js';
import { expectSameBytes, fixedVersion, someBytes } from '../../support/storage-fixtures.js';
import { listTree, makeTempDir } from '../../support/storage-temp-dir.js';
import { uniqueId } from '../../support/unique-id.js';

describeOriginalStoreContract('BucketOriginalStore over ObjectFolder (filesystem)', async () => {
  const dir = await makeTempDir('originals');
  // A root that does not exist yet: the store must create it on the first write.
  const root = path.join(dir.path, 'originals');
  return {
    subject: new BucketOriginalStore(new ObjectFolder(root)),
    cleanup: dir.remove,
    simulateOutage: async () => {
      await rm(root, { recursive: true, force: true });
      await writeFile(root, 'a file where the folder should be');
    },
  };
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

describe('The filesystem original store on disk', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let root: string;
  let store: BucketOriginalStore;

  beforeEach(async () => {
    dir = await makeTempDir('originals');
    root = path.join(dir.path, 'root');
    store = new BucketOriginalStore(new ObjectFolder(root));
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('stores an original as the file {root}/{id}/{version}, byte for byte, and nothing else', async () => {
    const bytes = someBytes(10_000);
    const key: OriginalKey = { id: uniqueId(), version: contentVersionOf(bytes) };
    await store.put(key, bytes, 'image/jpeg');
    expectSameBytes(await readFile(path.join(root, key.id, key.version)), bytes);
    expect(await listTree(root)).to.deep.equal([`${key.id}/`, `${key.id}/${key.version}`]);
  });

  it('removes the emptied id folder on delete, keeping the root', async () => {
    const bytes = someBytes(10);
    const key: OriginalKey = { id: uniqueId(), version: contentVersionOf(bytes) };
    await store.put(key, bytes, 'image/png');
    await store.delete(key);
    expect(await listTree(root)).to.deep.equal([]);
  });

  it('check() creates a missing root, and fails with the cause when the root is not a folder', async () => {
    await store.check();
    expect(await listTree(root)).to.deep.equal([]);
    await rm(root, { recursive: true });
    await writeFile(root, 'not a folder');
    const error = await rejection(store.check());
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as Error).cause).to.have.property('code').that.is.a('string');
  });

  it('never touches anything outside the root, whatever the key', async () => {
    const victim = path.join(dir.path, 'victim');
    await writeFile(victim, 'precious');
    const version = fixedVersion('e');
    const keys = [
      { id: '..', version: 'victim' },
      { id: '..', version },
      { id: `x/../../victim`, version },
      { id: uniqueId(), version: '../../victim' },
      { id: victim, version },
      { id: uniqueId(), version: victim },
      { id: `..\\..\\victim`, version },
      { id: `victim\0`, version },
    ] as unknown as OriginalKey[];
    for (const key of keys) {
      for (const call of [() => store.put(key, someBytes(3), 'image/png'), () => store.get(key), () => store.local!(key), () => store.delete(key)]) {
        expect(await rejection(call()), JSON.stringify(key)).to.be.instanceOf(StoreUnavailableError);
      }
    }
    expect(await readFile(victim, 'utf8')).to.equal('precious');
    expect(await listTree(dir.path)).to.deep.equal(['victim']);
  });

  it('leaves neither the object nor a temp file when a write fails', async () => {
    const id = uniqueId();
    const version = fixedVersion('f');
    // A non-empty folder where the file should go makes the final rename fail after the temp file was written.
    await mkdir(path.join(root, id, version), { recursive: true });
    await writeFile(path.join(root, id, version, 'occupant'), '');
    const error = await rejection(store.put({ id, version }, someBytes(50_000), 'image/png'));
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as Error).cause).to.have.property('code').that.is.a('string');
    expect(await listTree(root)).to.deep.equal([`${id}/`, `${id}/${version}/`, `${id}/${version}/occupant`]);
  });

  it('ends concurrent puts of one key with exactly one complete file and no temp files', async () => {
    const key: OriginalKey = { id: uniqueId(), version: fixedVersion('1') };
    const contents = Array.from({ length: 12 }, () => someBytes(400_000));
    await Promise.all(contents.map((bytes) => store.put(key, bytes, 'image/png')));
    const stored = await readFile(path.join(root, key.id, key.version));
    expect(contents.some((bytes) => Buffer.from(bytes).equals(stored)), 'the file is one of the written contents').to.equal(true);
    expect(await listTree(root)).to.deep.equal([`${key.id}/`, `${key.id}/${key.version}`]);
  });

  it('never lets a reader see a partly written original', async () => {
    const key: OriginalKey = { id: uniqueId(), version: fixedVersion('2') };
    const a = Buffer.alloc(3 * 1024 * 1024, 0xaa);
    const b = Buffer.alloc(3 * 1024 * 1024, 0xbb);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < 12; i++) await store.put(key, i % 2 === 0 ? a : b, 'image/png');
      } finally {
        writing = false;
      }
    })();
    let reads = 0;
    while (writing) {
      const seen = await store.get(key);
      if (seen !== undefined) {
        reads++;
        expect(Buffer.from(seen).equals(a) || Buffer.from(seen).equals(b), 'a whole A or a whole B').to.equal(true);
      }
    }
    await writer;
    expect(reads).to.be.greaterThan(0);
  });

  it('reads a folder where an original would be as not found', async () => {
    const key = { id: uniqueId() as ImageId, version: fixedVersion('3') };
    await mkdir(path.join(root, key.id, key.version), { recursive: true });
    expect(await store.get(key)).to.equal(undefined);
    expect(await store.local!(key)).to.equal(undefined);
  });

  describe('local(): the original as a file for the decoder (ADR 0036)', () => {
    it('names the file {root}/{id}/{version}, with its size and its first bytes', async () => {
      const bytes = someBytes(LOCAL_FILE_HEAD_BYTES * 3 + 17);
      const key: OriginalKey = { id: uniqueId(), version: contentVersionOf(bytes) };
      await store.put(key, bytes, 'image/jpeg');
      const file = await store.local!(key);
      expect(file?.path).to.equal(path.join(root, key.id, key.version));
      expect(file?.size).to.equal(bytes.length);
      expectSameBytes(file!.head, bytes.subarray(0, LOCAL_FILE_HEAD_BYTES));
      expectSameBytes(await readFile(file!.path), bytes);
    });

    it('gives a small file whole as its head, and undefined once the original is deleted', async () => {
      const bytes = someBytes(10);
      const key: OriginalKey = { id: uniqueId(), version: contentVersionOf(bytes) };
      await store.put(key, bytes, 'image/png');
      expectSameBytes((await store.local!(key))!.head, bytes);
      await store.delete(key);
      expect(await store.local!(key)).to.equal(undefined);
    });

    it('reports a broken folder as StoreUnavailableError', async () => {
      const bytes = someBytes(10);
      const key: OriginalKey = { id: uniqueId(), version: contentVersionOf(bytes) };
      await rm(root, { recursive: true, force: true });
      await writeFile(root, 'a file where the folder should be');
      expect(await rejection(store.local!(key))).to.be.instanceOf(StoreUnavailableError);
    });
  });

  it('has no local() over a remote bucket: only a folder is on this machine', () => {
    const remote = { ...new ObjectFolder(root), local: undefined } as unknown as ObjectFolder;
    expect(new BucketOriginalStore(remote).local).to.equal(undefined);
  });
});
