import { Readable } from 'node:stream';
import { StoreUnavailableError } from '../../application/application-error.js';
import { assertObjectKey } from '../../application/object-key.js';
import type { RenditionCache, RenditionLocation, StoredObject } from '../../application/ports/rendition-cache.js';
import { publicUrlOf } from '../object-storage/object-names.js';
import { SimulatedOutage } from './simulated-outage.js';

/**
 * A `RenditionCache` held in memory: a verified fake (it passes the same contract suite as the filesystem and
 * cloud adapters) for application tests and single-process embedding.
 *
 * With a `publicBaseUrl`, `locate` answers `publicBaseUrl + key` like a published folder or bucket; without
 * one it answers `undefined`, so callers stream the rendition (proxy delivery).
 *
 * Tests can observe it: {@link InMemoryRenditionCache.puts}, {@link InMemoryRenditionCache.opens} and
 * {@link InMemoryRenditionCache.purges} count calls that succeeded, {@link InMemoryRenditionCache.keys} lists
 * what is stored. To test how callers cope with an outage, call {@link InMemoryRenditionCache.fail}: every
 * method then throws `StoreUnavailableError` (with the given cause) until {@link InMemoryRenditionCache.recover}.
 */
export class InMemoryRenditionCache extends SimulatedOutage implements RenditionCache {
  /** Successful `put` calls so far. */
  puts = 0;
  /** Successful `open` calls so far, hits and misses. */
  opens = 0;
  /** Successful `purge` calls so far. */
  purges = 0;
  private readonly objects = new Map<string, { readonly bytes: Uint8Array; readonly contentType: string }>();
  private readonly publicBaseUrl: string | undefined;

  constructor(publicBaseUrl?: string) {
    super('rendition cache', StoreUnavailableError);
    this.publicBaseUrl = publicBaseUrl === '' ? undefined : publicBaseUrl;
  }

  /** The keys stored now, sorted. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    this.checkKey(key);
    // Copied: the caller may reuse its buffer, and a real store would not see later edits either.
    this.objects.set(key, { bytes: Uint8Array.from(bytes), contentType });
    this.puts++;
  }

  async open(key: string): Promise<StoredObject | undefined> {
    this.checkKey(key);
    this.opens++;
    const found = this.objects.get(key);
    if (found === undefined) return undefined;
    return {
      body: Readable.from([Uint8Array.from(found.bytes)], { objectMode: false }),
      size: found.bytes.length,
      contentType: found.contentType,
    };
  }

  async locate(key: string): Promise<RenditionLocation | undefined> {
    this.checkKey(key);
    if (this.publicBaseUrl === undefined) return undefined;
    return { url: publicUrlOf(this.publicBaseUrl, key), expiresAt: undefined };
  }

  async delete(key: string): Promise<void> {
    this.checkKey(key);
    this.objects.delete(key);
  }

  async purge(prefix: string): Promise<void> {
    this.throwIfFailing();
    assertObjectKey(prefix, 'prefix');
    for (const key of [...this.objects.keys()]) {
      if (key.startsWith(prefix)) this.objects.delete(key);
    }
    this.purges++;
  }

  async check(): Promise<void> {
    this.throwIfFailing();
  }

  private checkKey(key: string): void {
    this.throwIfFailing();
    assertObjectKey(key, 'key');
  }
}
