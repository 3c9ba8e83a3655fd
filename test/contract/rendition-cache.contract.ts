import { expect } from 'chai';
import fc from 'fast-check';
import type { RenditionCache, StoredObject } from '../../src/application/ports/rendition-cache.js';
import { canonicalExtension, contentTypeOf, OUTPUT_FORMATS, type OutputFormat } from '../../src/domain/image-format.js';
import type { ImageId } from '../../src/domain/image-id.js';
import type { ContentVersion } from '../../src/domain/original.js';
import { renditionPrefix } from '../../src/domain/object-key.js';
import { expectStoreUnavailable } from '../support/rejection.js';
import { expectSameBytes, fixedVersion, readAll, someBytes } from '../support/storage-fixtures.js';
import { uniqueId, longestId } from '../support/unique-id.js';

export interface RenditionCacheSubject {
  readonly subject: RenditionCache;
  /** Removes whatever the subject stored (temp folder, bucket objects). */
  readonly cleanup: () => Promise<void>;
  /** Prepended to every id the suite makes, so several runs can share one bucket; must keep ids valid. */
  readonly prefix?: string;
  /**
   * Breaks the subject's backing store for real (folder replaced by a file, server stopped). When given, the
   * suite checks that put, open, purge and check then throw `StoreUnavailableError` carrying a `cause`.
   */
  readonly simulateOutage?: () => Promise<void>;
}

export interface RenditionCacheCapabilities {
  /**
   * What `locate` answers: `none` → always `undefined` (streamed by the service); `public` → a URL ending in the
   * key, no expiry; `signed` → a URL with an expiry in the future.
   */
  readonly locate: 'none' | 'public' | 'signed';
  /**
   * `stored`: `open` answers the content type given to `put`, whatever the key. `by-extension`: it is derived
   * from the key's extension (a folder published by a web server). Rendition keys always end in the extension
   * of their format, so both agree for every key `Rendition.key` builds.
   */
  readonly contentType: 'stored' | 'by-extension';
  /** Runs of the command-sequence property; lower it for slow remote stores. */
  readonly modelRuns?: number;
}

const FINGERPRINT = /^[0-9a-f]{32}$/;

/** A key shaped like `Rendition.key`: `{id}/{version16}/{fingerprint}.{ext}`. */
function renditionKey(id: string, version: ContentVersion, fingerprint: string, format: OutputFormat): string {
  if (!FINGERPRINT.test(fingerprint)) throw new Error(`bad test fingerprint ${fingerprint}`);
  return `${renditionPrefix({ id: id as ImageId, version })}${fingerprint}.${canonicalExtension(format)}`;
}

const fingerprintOf = (digit: string): string => digit.repeat(32);

/** Keys an adapter must refuse: each could name something outside the store if taken as a path. */
function unsafeKeys(safe: string): string[] {
  return [
    '',
    '..',
    '.',
    `../${safe}`,
    `${safe}/../../../x.png`,
    `a/./${safe}`,
    `/${safe}`,
    '/etc/passwd',
    `a\\..\\..\\${safe}`,
    `..\\x.png`,
    `${safe}\0.png`,
    `a//${safe}`,
    `${safe}/`,
  ];
}

function unsafePrefixes(id: string): string[] {
  return ['', '/', '..', '../', `${id}/../`, `${id}/../../`, `/${id}/`, `${id}\\`, `..\\${id}/`, `${id}\0/`, `${id}//`, './'];
}

async function expectObject(object: StoredObject | undefined, bytes: Uint8Array, contentType: string, what: string): Promise<void> {
  expect(object, `${what}: open`).to.not.equal(undefined);
  expect(object!.size, `${what}: size`).to.equal(bytes.length);
  expect(object!.contentType, `${what}: content type`).to.equal(contentType);
  expectSameBytes(await readAll(object!.body), bytes, what);
}

/**
 * The behaviour every `RenditionCache` adapter shares. Run it from the adapter's test file with a factory
 * that builds a fresh, empty subject, and the capabilities the adapter declares.
 */
export function describeRenditionCacheContract(
  label: string,
  makeSubject: () => Promise<RenditionCacheSubject>,
  capabilities: RenditionCacheCapabilities,
): void {
  describe(`RenditionCache contract: ${label}`, () => {
    let run: RenditionCacheSubject;
    let cache: RenditionCache;
    const freshId = (suffix = ''): string => uniqueId(run.prefix, suffix);
    const v1 = fixedVersion('1');
    const v2 = fixedVersion('2');

    beforeEach(async () => {
      run = await makeSubject();
      cache = run.subject;
    });

    afterEach(async () => {
      await run.cleanup();
    });

    it('answers check()', async () => {
      await cache.check();
    });

    it('answers undefined when opening a key never stored, and purging nothing is not an error', async () => {
      const id = freshId();
      expect(await cache.open(renditionKey(id, v1, fingerprintOf('a'), 'webp'))).to.equal(undefined);
      await cache.purge(`${id}/`);
      await cache.purge(renditionPrefix({ id: id as ImageId, version: v1 }));
    });

    it('deletes one rendition only; deleting it again or a key never stored is not an error', async () => {
      const id = freshId();
      const gone = renditionKey(id, v1, fingerprintOf('d'), 'webp');
      const kept = renditionKey(id, v1, fingerprintOf('e'), 'webp');
      await cache.put(gone, someBytes(10), 'image/webp');
      await cache.put(kept, someBytes(10), 'image/webp');
      await cache.delete(gone);
      await cache.delete(gone);
      await cache.delete(renditionKey(freshId(), v1, fingerprintOf('f'), 'png'));
      expect(await cache.open(gone)).to.equal(undefined);
      const still = await cache.open(kept);
      expect(still?.size).to.equal(10);
      still?.body.destroy?.();
    });

    for (const [size, name] of [
      [1, 'a 1-byte'],
      [3 * 1024 * 1024 + 5, 'a ~3 MB'],
    ] as const) {
      it(`round-trips ${name} object: bytes, size and content type, streamed whole`, async () => {
        const key = renditionKey(freshId(), v1, fingerprintOf('b'), 'avif');
        const bytes = someBytes(size);
        await cache.put(key, bytes, 'image/avif');
        await expectObject(await cache.open(key), bytes, 'image/avif', key);
      });
    }

    it('answers the content type of every output format', async () => {
      const id = freshId();
      for (const format of OUTPUT_FORMATS) {
        const key = renditionKey(id, v1, fingerprintOf('c'), format);
        const bytes = someBytes(20);
        await cache.put(key, bytes, contentTypeOf(format));
        await expectObject(await cache.open(key), bytes, contentTypeOf(format), key);
      }
    });

    if (capabilities.contentType === 'stored') {
      it('answers the content type given to put, whatever the key', async () => {
        const key = `${freshId()}/${fingerprintOf('d')}.bin`;
        const bytes = someBytes(10);
        await cache.put(key, bytes, 'application/x-contract-test');
        await expectObject(await cache.open(key), bytes, 'application/x-contract-test', key);
      });
    }

    it('keeps its own copy: editing the buffer after put changes nothing stored', async () => {
      const key = renditionKey(freshId(), v1, fingerprintOf('e'), 'png');
      const bytes = someBytes(64);
      const expected = Uint8Array.from(bytes);
      await cache.put(key, bytes, 'image/png');
      bytes.fill(0);
      await expectObject(await cache.open(key), expected, 'image/png', key);
    });

    it('replaces the object when the same key is written again', async () => {
      const key = renditionKey(freshId(), v1, fingerprintOf('f'), 'jpeg');
      await cache.put(key, someBytes(70_000), 'image/jpeg');
      const second = someBytes(123);
      await cache.put(key, second, 'image/jpeg');
      await expectObject(await cache.open(key), second, 'image/jpeg', key);
    });

    it('purges exactly the keys under {id}/, not those of ids that extend it, idempotently', async () => {
      const id = freshId();
      const doomed = [
        renditionKey(id, v1, fingerprintOf('1'), 'webp'),
        renditionKey(id, v1, fingerprintOf('2'), 'jpeg'),
        renditionKey(id, v2, fingerprintOf('1'), 'webp'),
      ];
      const kept = [`${id}_x`, `${id}-y`, `${id}0`, `_${id}`, freshId()].map((other) =>
        renditionKey(other, v1, fingerprintOf('1'), 'webp'),
      );
      const contents = new Map([...doomed, ...kept].map((key) => [key, someBytes(40)]));
      for (const [key, bytes] of contents) await cache.put(key, bytes, 'image/webp');
      await cache.purge(`${id}/`);
      for (const key of doomed) expect(await cache.open(key), key).to.equal(undefined);
      for (const key of kept) await expectObject(await cache.open(key), contents.get(key)!, 'image/webp', key);
      await cache.purge(`${id}/`);
      for (const key of kept) await expectObject(await cache.open(key), contents.get(key)!, 'image/webp', key);
    });

    it('purges one version with renditionPrefix(original), keeping the other versions', async () => {
      const id = freshId() as ImageId;
      const old = [renditionKey(id, v1, fingerprintOf('3'), 'png'), renditionKey(id, v1, fingerprintOf('4'), 'gif')];
      const current = renditionKey(id, v2, fingerprintOf('3'), 'png');
      const bytes = someBytes(30);
      for (const key of [...old, current]) await cache.put(key, bytes, key.endsWith('gif') ? 'image/gif' : 'image/png');
      await cache.purge(renditionPrefix({ id, version: v1 }));
      for (const key of old) expect(await cache.open(key), key).to.equal(undefined);
      await expectObject(await cache.open(current), bytes, 'image/png', current);
      await cache.purge(renditionPrefix({ id, version: v1 }));
    });

    it('can store again under a purged prefix', async () => {
      const id = freshId();
      const key = renditionKey(id, v1, fingerprintOf('5'), 'tiff');
      await cache.put(key, someBytes(10), 'image/tiff');
      await cache.purge(`${id}/`);
      const bytes = someBytes(11);
      await cache.put(key, bytes, 'image/tiff');
      await expectObject(await cache.open(key), bytes, 'image/tiff', key);
    });

    it('stores under ids with _ and -, 128-character ids and unicode key segments', async () => {
      const keys = [
        renditionKey(`_-${freshId()}-_`, v1, fingerprintOf('6'), 'webp'),
        renditionKey(longestId(run.prefix), v1, fingerprintOf('6'), 'webp'),
        `${freshId()}/ünïcødé-名前/${fingerprintOf('6')}.webp`,
      ];
      for (const key of keys) {
        const bytes = someBytes(25);
        await cache.put(key, bytes, 'image/webp');
        await expectObject(await cache.open(key), bytes, 'image/webp', key);
      }
    });

    it('survives streams abandoned early: later operations work and see whole objects', async () => {
      const key = renditionKey(freshId(), v1, fingerprintOf('7'), 'png');
      const bytes = someBytes(2 * 1024 * 1024);
      await cache.put(key, bytes, 'image/png');
      for (let i = 0; i < 30; i++) {
        const object = await cache.open(key);
        expect(object).to.not.equal(undefined);
        if (i % 2 === 0) {
          // Leaving a for-await loop early calls the iterator's return(), which destroys a Node stream.
          for await (const chunk of object!.body) {
            expect(chunk.length).to.be.greaterThan(0);
            break;
          }
        } else {
          object!.body.destroy?.();
        }
      }
      await expectObject(await cache.open(key), bytes, 'image/png', 'after abandoned streams');
      const replacement = someBytes(1000);
      await cache.put(key, replacement, 'image/png');
      await expectObject(await cache.open(key), replacement, 'image/png', 'overwritten after abandoned streams');
      await cache.purge(key.slice(0, key.indexOf('/') + 1));
      expect(await cache.open(key)).to.equal(undefined);
    });

    it(`locates keys as declared (${capabilities.locate}), without requiring the object to exist`, async () => {
      const key = renditionKey(freshId(), v1, fingerprintOf('8'), 'webp');
      const before = await cache.locate(key);
      await cache.put(key, someBytes(10), 'image/webp');
      const after = await cache.locate(key);
      for (const location of [before, after]) {
        if (capabilities.locate === 'none') {
          expect(location).to.equal(undefined);
          continue;
        }
        expect(location).to.not.equal(undefined);
        const url = new URL(location!.url);
        expect(url.protocol).to.match(/^https?:$/);
        expect(decodeURIComponent(url.pathname).endsWith(`/${key}`), `${location!.url} names ${key}`).to.equal(true);
        if (capabilities.locate === 'public') expect(location!.expiresAt).to.equal(undefined);
        else expect(location!.expiresAt!.getTime()).to.be.greaterThan(Date.now());
      }
    });

    it('refuses keys that could leave the store (.., absolute, backslash, NUL, empty segments) with StoreUnavailableError', async () => {
      const id = freshId();
      const safe = renditionKey(id, v1, fingerprintOf('9'), 'png');
      const bytes = someBytes(32);
      await cache.put(safe, bytes, 'image/png');
      for (const key of unsafeKeys(safe)) {
        const shown = JSON.stringify(key);
        await expectStoreUnavailable(cache.put(key, someBytes(8), 'image/png'), `put ${shown}`);
        await expectStoreUnavailable(cache.open(key), `open ${shown}`);
        await expectStoreUnavailable(cache.locate(key), `locate ${shown}`);
      }
      for (const prefix of unsafePrefixes(id)) {
        await expectStoreUnavailable(cache.purge(prefix), `purge ${JSON.stringify(prefix)}`);
      }
      await expectObject(await cache.open(safe), bytes, 'image/png', 'the object stored under a safe key');
    });

    it('reports an outage as StoreUnavailableError with the cause', async function () {
      if (run.simulateOutage === undefined) {
        console.warn(`      ${label}: no simulateOutage hook given, outage behaviour not checked`);
        this.skip();
      }
      const id = freshId();
      const key = renditionKey(id, v1, fingerprintOf('a'), 'png');
      await run.simulateOutage();
      for (const [name, call] of [
        ['put', () => cache.put(key, someBytes(4), 'image/png')],
        ['open', () => cache.open(key)],
        ['purge', () => cache.purge(`${id}/`)],
        ['check', () => cache.check()],
      ] as const) {
        const error = await expectStoreUnavailable(call(), name);
        expect(error.cause, `${name} cause`).to.not.equal(undefined);
      }
    });

    it('behaves like a map under any sequence of put, open, abandoned open and purge', async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(renditionCommands, { maxCommands: 30 }), async (commands) => {
          const subject = await makeSubject();
          try {
            const real: CacheSystem = { cache: subject.subject, base: uniqueId(subject.prefix) };
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

interface CacheModel {
  /** Keys relative to the run's base id. */
  readonly objects: Map<string, { readonly bytes: Uint8Array; readonly contentType: string }>;
}

interface CacheSystem {
  readonly cache: RenditionCache;
  /** This run's id; commands pick it or ids that extend it (`_x`, `-y`). */
  readonly base: string;
}

/** A small key space, so that sequences revisit keys and prefixes: three ids sharing a stem, two versions, two fingerprints. */
const ID_SUFFIXES = ['', '_x', '-y'] as const;
const VERSIONS = [fixedVersion('a'), fixedVersion('b')] as const;
const FINGERPRINTS = [fingerprintOf('c'), fingerprintOf('d')] as const;
const FORMATS = ['webp', 'jpeg'] as const satisfies readonly OutputFormat[];

interface KeyChoice {
  readonly idSuffix: string;
  readonly version: ContentVersion;
  readonly fingerprint: string;
  readonly format: OutputFormat;
}

const keyIn = (base: string, choice: KeyChoice): string =>
  renditionKey(`${base}${choice.idSuffix}`, choice.version, choice.fingerprint, choice.format);

class PutRendition implements fc.AsyncCommand<CacheModel, CacheSystem> {
  constructor(
    private readonly choice: KeyChoice,
    private readonly bytes: Uint8Array,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: CacheModel, real: CacheSystem): Promise<void> {
    const contentType = contentTypeOf(this.choice.format);
    await real.cache.put(keyIn(real.base, this.choice), this.bytes, contentType);
    model.objects.set(keyIn('', this.choice), { bytes: this.bytes, contentType });
  }

  toString(): string {
    return `put(${keyIn('', this.choice)}, ${this.bytes.length} bytes)`;
  }
}

class OpenRendition implements fc.AsyncCommand<CacheModel, CacheSystem> {
  constructor(
    private readonly choice: KeyChoice,
    private readonly abandon: boolean,
  ) {}

  check(): boolean {
    return true;
  }

  async run(model: CacheModel, real: CacheSystem): Promise<void> {
    const expected = model.objects.get(keyIn('', this.choice));
    const object = await real.cache.open(keyIn(real.base, this.choice));
    if (expected === undefined) {
      expect(object, this.toString()).to.equal(undefined);
    } else if (this.abandon) {
      expect(object, this.toString()).to.not.equal(undefined);
      object!.body.destroy?.();
    } else {
      await expectObject(object, expected.bytes, expected.contentType, this.toString());
    }
  }

  toString(): string {
    return `${this.abandon ? 'openAndAbandon' : 'open'}(${keyIn('', this.choice)})`;
  }
}

class PurgeRenditions implements fc.AsyncCommand<CacheModel, CacheSystem> {
  constructor(
    private readonly idSuffix: string,
    /** Undefined: every version of the id (`{id}/`). */
    private readonly version: ContentVersion | undefined,
  ) {}

  check(): boolean {
    return true;
  }

  private prefixIn(base: string): string {
    const id = `${base}${this.idSuffix}` as ImageId;
    return this.version === undefined ? `${id}/` : renditionPrefix({ id, version: this.version });
  }

  async run(model: CacheModel, real: CacheSystem): Promise<void> {
    await real.cache.purge(this.prefixIn(real.base));
    const prefix = this.prefixIn('');
    for (const key of [...model.objects.keys()]) if (key.startsWith(prefix)) model.objects.delete(key);
  }

  toString(): string {
    return `purge(${this.prefixIn('')})`;
  }
}

const keyChoice: fc.Arbitrary<KeyChoice> = fc.record({
  idSuffix: fc.constantFrom(...ID_SUFFIXES),
  version: fc.constantFrom(...VERSIONS),
  fingerprint: fc.constantFrom(...FINGERPRINTS),
  format: fc.constantFrom(...FORMATS),
});

const renditionCommands = [
  fc.tuple(keyChoice, fc.uint8Array({ minLength: 1, maxLength: 256 })).map(([choice, bytes]) => new PutRendition(choice, bytes)),
  fc.tuple(keyChoice, fc.boolean()).map(([choice, abandon]) => new OpenRendition(choice, abandon)),
  fc
    .tuple(fc.constantFrom(...ID_SUFFIXES), fc.option(fc.constantFrom(...VERSIONS), { nil: undefined }))
    .map(([suffix, version]) => new PurgeRenditions(suffix, version)),
];
