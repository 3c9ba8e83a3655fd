import { expect } from 'chai';
import fc from 'fast-check';
import type { OriginalStore } from '../../src/application/ports/original-store.js';
import type { ImageId } from '../../src/domain/image-id.js';
import { contentVersionOf, type ContentVersion, type OriginalKey } from '../../src/domain/original.js';
import { expectStoreUnavailable } from '../support/rejection.js';
import { expectSameBytes, fixedVersion, someBytes } from '../support/storage-fixtures.js';
import { uniqueId, longestId } from '../support/unique-id.js';

export interface OriginalStoreSubject {
  readonly subject: OriginalStore;
  /** Removes whatever the subject stored (temp folder, bucket objects). */
  readonly cleanup: () => Promise<void>;
  /** Prepended to every id the suite makes, so several runs can share one bucket; must keep ids valid. */
  readonly prefix?: string;
  /**
   * Breaks the subject's backing store for real (folder replaced by a file, server stopped). When given, the
   * suite checks that every method then throws `StoreUnavailableError` carrying the driver's error as `cause`.
   */
  readonly simulateOutage?: () => Promise<void>;
}

export interface OriginalStoreCapabilities {
  /** Runs of the command-sequence property; lower it for slow remote stores. */
  readonly modelRuns?: number;
}

/** Keys an adapter must refuse: each could name something outside the store if taken as a path. */
function unsafeKeys(id: ImageId, version: ContentVersion): OriginalKey[] {
  const keys: Array<{ id: string; version: string }> = [
    { id: '..', version },
    { id: '.', version },
    { id: `../${id}`, version },
    { id: `${id}/../..`, version },
    { id: '/etc', version },
    { id: `${id}\\..\\..`, version },
    { id: `${id}\0`, version },
    { id, version: '..' },
    { id, version: `../../${version}` },
    { id, version: `/${version}` },
    { id, version: `${version}\0` },
    { id, version: `..\\${version}` },
    { id: '', version },
    { id, version: '' },
  ];
  return keys as OriginalKey[];
}

/**
 * The behaviour every `OriginalStore` adapter shares. Run it from the adapter's test file with a factory
 * that builds a fresh, empty subject.
 */
export function describeOriginalStoreContract(
  label: string,
  makeSubject: () => Promise<OriginalStoreSubject>,
  capabilities: OriginalStoreCapabilities = {},
): void {
  describe(`OriginalStore contract: ${label}`, () => {
    let run: OriginalStoreSubject;
    let store: OriginalStore;
    const freshId = (suffix = ''): ImageId => uniqueId(run.prefix, suffix);
    const keyOf = (id: ImageId, bytes: Uint8Array): OriginalKey => ({ id, version: contentVersionOf(bytes) });

    beforeEach(async () => {
      run = await makeSubject();
      store = run.subject;
    });

    afterEach(async () => {
      await run.cleanup();
    });

    it('answers check()', async () => {
      await store.check();
    });

    it('answers undefined for a key never stored, and deleting it is not an error', async () => {
      const key = keyOf(freshId(), someBytes(10));
      expect(await store.get(key)).to.equal(undefined);
      await store.delete(key);
      expect(await store.get(key)).to.equal(undefined);
    });

    for (const [size, name] of [
      [1, 'a 1-byte'],
      [3 * 1024 * 1024 + 17, 'a ~3 MB'],
    ] as const) {
      it(`round-trips ${name} original byte for byte`, async () => {
        const bytes = someBytes(size);
        const key = keyOf(freshId(), bytes);
        await store.put(key, bytes, 'image/jpeg');
        expectSameBytes(await store.get(key), bytes);
      });
    }

    it('keeps its own copy: editing the buffer after put or after get changes nothing stored', async () => {
      const bytes = someBytes(64);
      const expected = Uint8Array.from(bytes);
      const key = keyOf(freshId(), bytes);
      await store.put(key, bytes, 'image/png');
      bytes.fill(0);
      const first = await store.get(key);
      expectSameBytes(first, expected, 'after editing the input');
      first!.fill(1);
      expectSameBytes(await store.get(key), expected, 'after editing a previous result');
    });

    it('replaces the object when the same key is written again', async () => {
      const id = freshId();
      const key: OriginalKey = { id, version: fixedVersion('a') };
      await store.put(key, someBytes(5000), 'image/png');
      const second = someBytes(300);
      await store.put(key, second, 'image/png');
      expectSameBytes(await store.get(key), second);
    });

    it('keeps versions of one id apart, and deletes only the version asked for', async () => {
      const id = freshId();
      const one = someBytes(100);
      const two = someBytes(200);
      await store.put(keyOf(id, one), one, 'image/png');
      await store.put(keyOf(id, two), two, 'image/png');
      await store.delete(keyOf(id, one));
      expect(await store.get(keyOf(id, one))).to.equal(undefined);
      expectSameBytes(await store.get(keyOf(id, two)), two);
    });

    it('deletes idempotently', async () => {
      const bytes = someBytes(100);
      const key = keyOf(freshId(), bytes);
      await store.put(key, bytes, 'image/gif');
      await store.delete(key);
      await store.delete(key);
      expect(await store.get(key)).to.equal(undefined);
    });

    it('stores ids with _ and -, ids that extend each other, and 128-character ids independently', async () => {
      const base = freshId();
      const ids = [base, `${base}_x`, `${base}-y`, `_${base}`, `-${base}`, longestId(run.prefix)] as ImageId[];
      const contents = ids.map(() => someBytes(50));
      const version = fixedVersion('c');
      await Promise.all(ids.map((id, i) => store.put({ id, version }, contents[i]!, 'image/webp')));
      await store.delete({ id: base, version });
      expect(await store.get({ id: base, version })).to.equal(undefined);
      for (const [i, id] of ids.entries()) {
        if (id !== base) expectSameBytes(await store.get({ id, version }), contents[i]!, id);
      }
    });

    it('keeps every object of many concurrent puts', async () => {
      const objects = Array.from({ length: 20 }, () => {
        const bytes = someBytes(1000);
        return { key: keyOf(freshId(), bytes), bytes };
      });
      await Promise.all(objects.map(({ key, bytes }) => store.put(key, bytes, 'image/avif')));
      for (const { key, bytes } of objects) expectSameBytes(await store.get(key), bytes);
    });

    it('refuses keys that could leave the store (.., absolute, backslash, NUL, empty) with StoreUnavailableError', async () => {
      const bytes = someBytes(32);
      const good = keyOf(freshId(), bytes);
      await store.put(good, bytes, 'image/png');
      for (const key of unsafeKeys(good.id, good.version)) {
        const shown = JSON.stringify(key);
        await expectStoreUnavailable(store.put(key, someBytes(8), 'image/png'), `put ${shown}`);
        await expectStoreUnavailable(store.get(key), `get ${shown}`);
        await expectStoreUnavailable(store.delete(key), `delete ${shown}`);
      }
      expectSameBytes(await store.get(good), bytes, 'the object stored under a safe key');
    });

    it('refuses safe-looking keys outside the grammar (not an image id and a SHA-256 hex version), like every other store', async () => {
      const id = freshId();
      const keys = [
        { id, version: 'abc' },
        { id, version: fixedVersion('a').toUpperCase() },
        { id: `${id}.jpg`, version: fixedVersion('a') },
        { id: `${id}/sub`, version: fixedVersion('a') },
        { id: 'x'.repeat(129), version: fixedVersion('a') },
      ] as unknown as OriginalKey[];
      for (const key of keys) {
        const shown = JSON.stringify(key);
        await expectStoreUnavailable(store.put(key, someBytes(8), 'image/png'), `put ${shown}`);
        await expectStoreUnavailable(store.get(key), `get ${shown}`);
        await expectStoreUnavailable(store.delete(key), `delete ${shown}`);
      }
    });

    it('reports an outage as StoreUnavailableError with the cause', async function () {
      if (run.simulateOutage === undefined) {
        console.warn(`      ${label}: no simulateOutage hook given, outage behaviour not checked`);
        this.skip();
      }
      const bytes = someBytes(16);
      const key = keyOf(freshId(), bytes);
      await run.simulateOutage();
      for (const [name, call] of [
        ['put', () => store.put(key, bytes, 'image/png')],
        ['get', () => store.get(key)],
        ['delete', () => store.delete(key)],
        ['check', () => store.check()],
      ] as const) {
        const error = await expectStoreUnavailable(call(), name);
        expect(error.cause, `${name} cause`).to.not.equal(undefined);
      }
    });

    it('behaves like a map under any sequence of put, get and delete', async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(originalCommands, { maxCommands: 30 }), async (commands) => {
          const subject = await makeSubject();
          try {
            const real: OriginalSystem = { store: subject.subject, base: uniqueId(subject.prefix) };
            await fc.asyncModelRun(() => ({ model: { objects: new Map() }, real }), commands);
          } finally {
            await subject.cleanup();
          }
        }),
        { numRuns: capabilities.modelRuns ?? 25 },
      );
    });
  });
}

interface OriginalModel {
  readonly objects: Map<string, Uint8Array>;
}

interface OriginalSystem {
  readonly store: OriginalStore;
  /** This run's id; commands pick it or ids that extend it (`_x`, `-y`). */
  readonly base: string;
}

/** A small key space, so that sequences revisit keys: three ids that share a stem, two versions. */
const ID_SUFFIXES = ['', '_x', '-y'] as const;
const VERSIONS = [fixedVersion('a'), fixedVersion('b')] as const;

abstract class OriginalCommand implements fc.AsyncCommand<OriginalModel, OriginalSystem> {
  constructor(
    protected readonly idSuffix: string,
    protected readonly version: ContentVersion,
  ) {}

  check(): boolean {
    return true;
  }

  protected keyIn(real: OriginalSystem): OriginalKey {
    return { id: `${real.base}${this.idSuffix}` as ImageId, version: this.version };
  }

  protected modelKey(): string {
    return `${this.idSuffix}/${this.version}`;
  }

  abstract run(model: OriginalModel, real: OriginalSystem): Promise<void>;
  abstract toString(): string;
}

class PutOriginal extends OriginalCommand {
  constructor(idSuffix: string, version: ContentVersion, private readonly bytes: Uint8Array) {
    super(idSuffix, version);
  }

  async run(model: OriginalModel, real: OriginalSystem): Promise<void> {
    await real.store.put(this.keyIn(real), this.bytes, 'image/png');
    model.objects.set(this.modelKey(), this.bytes);
  }

  toString(): string {
    return `put(${this.modelKey()}, ${this.bytes.length} bytes)`;
  }
}

class GetOriginal extends OriginalCommand {
  async run(model: OriginalModel, real: OriginalSystem): Promise<void> {
    const expected = model.objects.get(this.modelKey());
    const actual = await real.store.get(this.keyIn(real));
    if (expected === undefined) expect(actual, this.toString()).to.equal(undefined);
    else expectSameBytes(actual, expected, this.toString());
  }

  toString(): string {
    return `get(${this.modelKey()})`;
  }
}

class DeleteOriginal extends OriginalCommand {
  async run(model: OriginalModel, real: OriginalSystem): Promise<void> {
    await real.store.delete(this.keyIn(real));
    model.objects.delete(this.modelKey());
  }

  toString(): string {
    return `delete(${this.modelKey()})`;
  }
}

const idSuffix = fc.constantFrom(...ID_SUFFIXES);
const version = fc.constantFrom(...VERSIONS);
const originalCommands = [
  fc
    .tuple(idSuffix, version, fc.uint8Array({ minLength: 1, maxLength: 256 }))
    .map(([suffix, v, bytes]) => new PutOriginal(suffix, v, bytes)),
  fc.tuple(idSuffix, version).map(([suffix, v]) => new GetOriginal(suffix, v)),
  fc.tuple(idSuffix, version).map(([suffix, v]) => new DeleteOriginal(suffix, v)),
];
