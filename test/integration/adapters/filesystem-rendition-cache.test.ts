import { expect } from 'chai';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { ObjectFolder } from '../../../src/adapters/filesystem/object-folder.js';
import { BucketRenditionCache } from '../../../src/adapters/object-storage/bucket-rendition-cache.js';
import { describeRenditionCacheContract } from '../../contract/rendition-cache.contract.js';
import { expectSameBytes, readAll, someBytes } from '../../support/storage-fixtures.js';
import { listTree, makeTempDir } from '../../support/storage-temp-dir.js';
import { uniqueId } from '../../support/unique-id.js';

for (const publicBaseUrl of [undefined, 'https://cdn.example.test/renditions/']) {
  describeRenditionCacheContract(
    `BucketRenditionCache over ObjectFolder (filesystem) ${publicBaseUrl === undefined ? 'without' : 'with'} a public base URL`,
    async () => {
      const dir = await makeTempDir('renditions');
      // A root that does not exist yet: the cache must create it on the first write.
      const root = path.join(dir.path, 'renditions');
      return {
        subject: new BucketRenditionCache(new ObjectFolder(root), { publicBaseUrl }),
        cleanup: dir.remove,
        simulateOutage: async () => {
          await rm(root, { recursive: true, force: true });
          await writeFile(root, 'a file where the folder should be');
        },
      };
    },
    { locate: publicBaseUrl === undefined ? 'none' : 'public', contentType: 'by-extension' },
  );
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

const renditionKey = (id: string, ext = 'webp', version = 'a'.repeat(16), fingerprint = 'b'.repeat(32)) =>
  `${id}/${version}/${fingerprint}.${ext}`;

describe('The filesystem rendition cache on disk', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  let root: string;
  let cache: BucketRenditionCache;

  beforeEach(async () => {
    dir = await makeTempDir('renditions');
    root = path.join(dir.path, 'root');
    cache = new BucketRenditionCache(new ObjectFolder(root));
  });

  afterEach(async () => {
    await dir.remove();
  });

  it('stores a rendition as the bare bytes at {root}/{key}, so a web server can publish the folder', async () => {
    const key = renditionKey(uniqueId());
    const bytes = someBytes(5000);
    await cache.put(key, bytes, 'image/webp');
    expectSameBytes(await readFile(path.join(root, ...key.split('/'))), bytes);
    const [id, version] = key.split('/');
    expect(await listTree(root)).to.deep.equal([`${id}/`, `${id}/${version}/`, key]);
  });

  it('derives the content type from the extension, octet-stream when it names no format', async () => {
    const id = uniqueId();
    const expected: Array<[string, string]> = [
      ['jpg', 'image/jpeg'],
      ['jpeg', 'image/jpeg'],
      ['png', 'image/png'],
      ['webp', 'image/webp'],
      ['avif', 'image/avif'],
      ['gif', 'image/gif'],
      ['tiff', 'image/tiff'],
      ['bin', 'application/octet-stream'],
    ];
    for (const [ext, type] of expected) {
      const key = renditionKey(id, ext);
      await cache.put(key, someBytes(3), type);
      const object = await cache.open(key);
      object!.body.destroy?.();
      expect(object!.contentType, ext).to.equal(type);
    }
  });

  it('locates a key as publicBaseUrl + key, adding the slash the base URL lacks', async () => {
    const key = renditionKey(uniqueId());
    expect(await cache.locate(key)).to.equal(undefined);
    for (const base of ['https://cdn.example.test/r', 'https://cdn.example.test/r/']) {
      const located = await new BucketRenditionCache(new ObjectFolder(root), { publicBaseUrl: base }).locate(key);
      expect(located).to.deep.equal({ url: `https://cdn.example.test/r/${key}`, expiresAt: undefined });
    }
  });

  it('keeps serving the whole old object to a reader that opened it before an overwrite', async () => {
    const key = renditionKey(uniqueId(), 'png');
    const old = someBytes(1024 * 1024);
    await cache.put(key, old, 'image/png');
    const opened = await cache.open(key);
    const replacement = someBytes(10);
    await cache.put(key, replacement, 'image/png');
    expect(opened!.size).to.equal(old.length);
    expectSameBytes(await readAll(opened!.body), old, 'the stream opened before the overwrite');
    const reopened = await cache.open(key);
    expectSameBytes(await readAll(reopened!.body), replacement, 'a stream opened after it');
  });

  it('closes the file descriptor of every abandoned stream', async function () {
    if (!existsSync('/proc/self/fd')) {
      console.warn('      /proc/self/fd is not available on this platform: descriptor leak not measured');
      this.skip();
    }
    const key = renditionKey(uniqueId(), 'png');
    await cache.put(key, someBytes(512 * 1024), 'image/png');
    const descriptorsBefore = (await readdir('/proc/self/fd')).length;
    for (let i = 0; i < 40; i++) {
      const body = (await cache.open(key))!.body as Readable;
      // Not events.once: leaving a for-await loop destroys the stream with an AbortError, which once() would throw.
      const closed = new Promise((resolve) => body.once('close', resolve));
      if (i % 2 === 0) body.destroy();
      else for await (const _chunk of body) break;
      await closed;
    }
    expect((await readdir('/proc/self/fd')).length).to.be.at.most(descriptorsBefore);
  });

  it('purges by removing the folders under the prefix, leaving other ids and the root', async () => {
    const id = uniqueId();
    const other = `${id}_x`;
    await cache.put(renditionKey(id, 'webp', '1'.repeat(16)), someBytes(3), 'image/webp');
    await cache.put(renditionKey(id, 'webp', '2'.repeat(16)), someBytes(3), 'image/webp');
    await cache.put(renditionKey(other), someBytes(3), 'image/webp');
    await cache.purge(`${id}/${'1'.repeat(16)}/`);
    expect(await listTree(root)).to.deep.equal(
      [`${id}/`, `${id}/${'2'.repeat(16)}/`, renditionKey(id, 'webp', '2'.repeat(16)), `${other}/`, `${other}/${'a'.repeat(16)}/`, renditionKey(other)].sort(),
    );
    await cache.purge(`${id}/`);
    expect(await listTree(root)).to.deep.equal([`${other}/`, `${other}/${'a'.repeat(16)}/`, renditionKey(other)]);
  });

  it('never touches anything outside the root, whatever the key or prefix', async () => {
    const victimDir = path.join(dir.path, 'victim');
    await mkdir(victimDir);
    await writeFile(path.join(victimDir, 'file.png'), 'precious');
    // A sibling whose name starts with the root's: a bare string prefix check would let it through.
    const sibling = `${root}-evil`;
    const keys = ['../victim/file.png', 'x/../../victim/file.png', path.join(victimDir, 'file.png'), '..\\victim\\file.png', `../${path.basename(sibling)}/a.png`, 'victim\0/a.png'];
    for (const key of keys) {
      for (const call of [() => cache.put(key, someBytes(3), 'image/png'), () => cache.open(key), () => cache.locate(key)]) {
        expect(await rejection(call()), key).to.be.instanceOf(StoreUnavailableError);
      }
    }
    for (const prefix of ['../victim/', '../', '..', `${victimDir}/`, '../victim/file', 'x/../../']) {
      expect(await rejection(cache.purge(prefix)), prefix).to.be.instanceOf(StoreUnavailableError);
    }
    expect(await readFile(path.join(victimDir, 'file.png'), 'utf8')).to.equal('precious');
    expect(await listTree(dir.path)).to.deep.equal(['victim/', 'victim/file.png']);
  });

  it('resolves any string it accepts as a key to a path strictly inside the root', () => {
    const folder = new ObjectFolder(root);
    const piece = fc.constantFrom('.', '..', '/', '\\', '\0', 'a', 'b', '-', '_', 'ü', ' ', path.basename(root), `${path.basename(root)}-evil`);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join('')), (key) => {
        let resolved: string;
        try {
          resolved = folder.pathOf(key);
        } catch (error) {
          expect(error).to.be.instanceOf(StoreUnavailableError);
          return;
        }
        expect(resolved.startsWith(root + path.sep), `${JSON.stringify(key)} → ${resolved}`).to.equal(true);
        expect(path.relative(root, resolved).split(path.sep), key).to.not.include('..');
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves neither the object nor a temp file when a write fails', async () => {
    const key = renditionKey(uniqueId(), 'png');
    const target = path.join(root, ...key.split('/'));
    // A non-empty folder where the file should go makes the final rename fail after the temp file was written.
    await mkdir(target, { recursive: true });
    await writeFile(path.join(target, 'occupant'), '');
    const before = await listTree(root);
    const error = await rejection(cache.put(key, someBytes(50_000), 'image/png'));
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as Error).cause).to.have.property('code').that.is.a('string');
    expect(await listTree(root)).to.deep.equal(before);
  });

  it('ends concurrent puts of one key with exactly one complete file and no temp files', async () => {
    const key = renditionKey(uniqueId(), 'png');
    const contents = Array.from({ length: 12 }, () => someBytes(400_000));
    await Promise.all(contents.map((bytes) => cache.put(key, bytes, 'image/png')));
    const stored = await readFile(path.join(root, ...key.split('/')));
    expect(contents.some((bytes) => Buffer.from(bytes).equals(stored)), 'the file is one of the written contents').to.equal(true);
    const [id, version] = key.split('/');
    expect(await listTree(root)).to.deep.equal([`${id}/`, `${id}/${version}/`, key]);
  });

  it('purges without failing while renditions are still being written into the folders it removes (DELETE during a background store)', async function () {
    this.timeout(60_000);
    let failures = 0;
    for (let round = 0; round < 200; round++) {
      const id = uniqueId();
      const puts = Array.from({ length: 8 }, (_, i) =>
        cache.put(renditionKey(id, 'webp', 'a'.repeat(16), i.toString(16).padStart(32, '0')), someBytes(20_000), 'image/webp').catch(() => undefined),
      );
      await new Promise((resolve) => setImmediate(resolve));
      // A put racing the purge may fail or land after it; the purge itself must not fail (it would be a 503 on DELETE).
      await cache.purge(`${id}/`).catch(() => failures++);
      await Promise.all(puts);
    }
    expect(failures, 'purges that failed').to.equal(0);
  });

  it('keeps puts working while purges of the same id run concurrently', async () => {
    const id = uniqueId();
    const keys = Array.from({ length: 20 }, (_, i) => renditionKey(id, 'png', 'c'.repeat(16), i.toString(16).padStart(32, '0')));
    const outcomes = await Promise.allSettled([
      ...keys.map((key) => cache.put(key, someBytes(2000), 'image/png')),
      ...keys.map(() => cache.purge(`${id}/`)),
    ]);
    for (const outcome of outcomes) {
      // A put whose temp file a purge removed mid-write may fail, but only as the port's failure.
      if (outcome.status === 'rejected') expect(outcome.reason).to.be.instanceOf(StoreUnavailableError);
    }
    const key = keys[0]!;
    const bytes = someBytes(10);
    await cache.put(key, bytes, 'image/png');
    expectSameBytes(await readAll((await cache.open(key))!.body), bytes);
    await cache.purge(`${id}/`);
    expect(await listTree(root)).to.deep.equal([]);
  });
});
