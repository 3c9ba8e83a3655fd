import type { LocalFile, OriginalStore } from '../../application/ports/original-store.js';
import type { OriginalKey } from '../../domain/original.js';
import type { PrometheusMetrics } from './prometheus-metrics.js';

/** An `OriginalStore` that counts the bytes of every original stored (the upload volume), then delegates. */
export class MeteredOriginalStore implements OriginalStore {
  /** The inner store's, when it has one. */
  readonly local?: (key: OriginalKey) => Promise<LocalFile | undefined>;

  constructor(
    private readonly inner: OriginalStore,
    private readonly metrics: PrometheusMetrics,
  ) {
    if (inner.local !== undefined) this.local = inner.local.bind(inner);
  }

  async put(key: OriginalKey, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.inner.put(key, bytes, contentType);
    this.metrics.addUploadBytes(bytes.length);
  }

  get(key: OriginalKey): Promise<Uint8Array | undefined> {
    return this.inner.get(key);
  }

  delete(key: OriginalKey): Promise<void> {
    return this.inner.delete(key);
  }

  check(): Promise<void> {
    return this.inner.check();
  }
}
