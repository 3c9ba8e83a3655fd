import { LruMap } from './lru-map.js';
import type { RenditionCache, RenditionLocation, StoredObject } from './ports/rendition-cache.js';
import type { KnownBytes, KnownObject } from './known.js';

export interface MemoryRenditionCacheOptions {
  /** Bytes of renditions kept in memory in all; the least recently used are dropped first. */
  readonly maxBytes: number;
  /** Larger renditions are always streamed from the store: a few big ones would crowd out many small ones. */
  readonly maxObjectBytes: number;
}

/** Made once per rendition taken in: a hit hands out the same object (its body can be read any number of times). */
function inMemory(bytes: Uint8Array, contentType: string): KnownObject {
  return { body: bodyOf(bytes), bytes, size: bytes.length, contentType };
}

/** One chunk, as a stream of one: what `StoredObject.body` must look like. */
function bodyOf(bytes: Uint8Array): StoredObject['body'] {
  return {
    async *[Symbol.asyncIterator]() {
      yield bytes;
    },
    destroy: () => undefined,
  };
}

async function readAll(object: StoredObject): Promise<Uint8Array> {
  const bytes = new Uint8Array(object.size);
  let at = 0;
  for await (const chunk of object.body) {
    if (at + chunk.length > bytes.length) {
      object.body.destroy?.();
      // Longer than its size said: not ours to keep; the caller's size check decides what it is.
      return bytes.subarray(0, 0);
    }
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes.subarray(0, at);
}

/**
 * A `RenditionCache` decorator that keeps small renditions' bytes in a size-bounded LRU, so that a proxied hit
 * on one reads nothing from the store (on a folder, four thread-pool round trips: open, fstat, read, close).
 * A rendition's key names its original's content hash and its spec, so the bytes under a key never change:
 * what is held is never stale, only perhaps removed from the store, and whether it is still stored is the
 * index's to say (`GetRendition` asks it first). Removals through this instance drop the bytes at once.
 */
export class MemoryRenditionCache implements RenditionCache, KnownBytes {
  private readonly held: LruMap<string, KnownObject>;

  constructor(
    private readonly inner: RenditionCache,
    private readonly options: MemoryRenditionCacheOptions,
  ) {
    this.held = new LruMap(options.maxBytes, (entry) => entry.size);
  }

  /** Not kept: only renditions that are streamed (`open`) need their bytes here; redirected ones never do. */
  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    this.held.delete(key);
    await this.inner.put(key, bytes, contentType);
  }

  /** The rendition as memory holds it, or `undefined`; never reads the store. */
  knownObject(key: string): KnownObject | undefined {
    return this.held.get(key);
  }

  async open(key: string): Promise<StoredObject | undefined> {
    const known = this.knownObject(key);
    if (known !== undefined) return known;
    const object = await this.inner.open(key);
    if (object === undefined || object.size > this.options.maxObjectBytes) return object;
    const bytes = await readAll(object);
    const read = inMemory(bytes, object.contentType);
    if (bytes.length === object.size) this.held.set(key, read);
    return read;
  }

  locate(key: string): Promise<RenditionLocation | undefined> {
    return this.inner.locate(key);
  }

  async delete(key: string): Promise<void> {
    this.held.delete(key);
    await this.inner.delete(key);
  }

  async purge(prefix: string): Promise<void> {
    this.held.deleteWhere((_entry, key) => key.startsWith(prefix));
    await this.inner.purge(prefix);
  }

  check(): Promise<void> {
    return this.inner.check();
  }
}
