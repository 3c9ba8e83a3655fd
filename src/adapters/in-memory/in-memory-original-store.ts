import { StoreUnavailableError } from '../../application/application-error.js';
import type { OriginalStore } from '../../application/ports/original-store.js';
import { originalObjectKey } from '../../domain/object-key.js';
import type { OriginalKey } from '../../domain/original.js';
import { originalKeyOf } from '../object-storage/object-names.js';
import { SimulatedOutage } from './simulated-outage.js';

/**
 * An `OriginalStore` held in memory: a verified fake (it passes the same contract suite as the filesystem and
 * cloud adapters) for application tests and single-process embedding.
 *
 * Tests can observe it: {@link InMemoryOriginalStore.puts}, {@link InMemoryOriginalStore.gets} and
 * {@link InMemoryOriginalStore.deletes} count calls that succeeded, {@link InMemoryOriginalStore.keys} lists what is stored. To test how callers cope with an
 * outage, call {@link InMemoryOriginalStore.fail}: every method then throws `StoreUnavailableError` (with the
 * given cause) until {@link InMemoryOriginalStore.recover}.
 */
export class InMemoryOriginalStore extends SimulatedOutage implements OriginalStore {
  /** Successful `put` calls so far. */
  puts = 0;
  /** Successful `get` calls so far (including those that found nothing). */
  gets = 0;
  /** Successful `delete` calls so far (including those that found nothing to delete). */
  deletes = 0;
  private readonly objects = new Map<string, { readonly bytes: Uint8Array; readonly contentType: string }>();

  constructor() {
    super('original store', StoreUnavailableError);
  }

  /** The object keys (`{id}/{version}`) stored now, sorted. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** The content type the object was stored with, or `undefined` when there is none. */
  contentTypeOf(key: OriginalKey): string | undefined {
    return this.objects.get(originalObjectKey(key))?.contentType;
  }

  async put(key: OriginalKey, bytes: Uint8Array, contentType: string): Promise<void> {
    const objectKey = this.objectKeyOf(key);
    // Copied: the caller may reuse its buffer, and a real store would not see later edits either.
    this.objects.set(objectKey, { bytes: Uint8Array.from(bytes), contentType });
    this.puts++;
  }

  async get(key: OriginalKey): Promise<Uint8Array | undefined> {
    const found = this.objects.get(this.objectKeyOf(key));
    this.gets++;
    return found === undefined ? undefined : Uint8Array.from(found.bytes);
  }

  async delete(key: OriginalKey): Promise<void> {
    this.objects.delete(this.objectKeyOf(key));
    this.deletes++;
  }

  async check(): Promise<void> {
    this.throwIfFailing();
  }

  // Refuses what a real store refuses, so a test that passes here does not fail against the filesystem.
  private objectKeyOf(key: OriginalKey): string {
    this.throwIfFailing();
    return originalKeyOf(key);
  }
}
