import type { RenderInput, RenderedImage, Transformer } from '../../src/application/ports/transformer.js';
import type { ImageInfo } from '../../src/domain/original.js';
import type { Pixels } from '../../src/domain/placeholder.js';
import type { RenditionSpec } from '../../src/domain/rendition.js';
import { Gate } from './gate.js';

/**
 * Delegates to a real transformer, counting calls; `hold()` makes renders wait (after being counted)
 * until `release()`, so a test can see what happens while a render is in flight. A probe is an upload's
 * decode proof (`verify`); `holdProbes()` makes probes wait *after* the real one finished, so concurrent
 * uploads can be lined up to race.
 */
export class CountingTransformer implements Transformer {
  probes = 0;
  /** Renders started (counted before any hold). */
  renders = 0;
  readonly specs: RenditionSpec[] = [];
  /** Probes that finished and are waiting at the probe gate (or went through it). */
  probesDone = 0;
  private readonly gate = new Gate();
  private readonly probeGate = new Gate();
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private readonly probeWaiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(private readonly inner: Transformer) {}

  hold(): void {
    this.gate.close();
  }

  release(): void {
    this.gate.open();
  }

  holdProbes(): void {
    this.probeGate.close();
  }

  releaseProbes(): void {
    this.probeGate.open();
  }

  /** Resolves once at least `count` renders have started. */
  rendersStarted(count: number): Promise<void> {
    if (this.renders >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Resolves once at least `count` probes have finished (and wait at the probe gate if it is held). */
  probesFinished(count: number): Promise<void> {
    if (this.probesDone >= count) return Promise.resolve();
    return new Promise((resolve) => this.probeWaiters.push({ count, resolve }));
  }

  inspect(bytes: Uint8Array): Promise<ImageInfo> {
    return this.inner.inspect(bytes);
  }

  async verify(bytes: Uint8Array, info: ImageInfo): Promise<Pixels> {
    this.probes += 1;
    try {
      return await this.inner.verify(bytes, info);
    } finally {
      this.probesDone += 1;
      notify(this.probeWaiters, this.probesDone);
      await this.probeGate.wait();
    }
  }

  async render(original: RenderInput, spec: RenditionSpec, info: ImageInfo): Promise<RenderedImage> {
    this.renders += 1;
    this.specs.push(spec);
    notify(this.waiters, this.renders);
    await this.gate.wait();
    return this.inner.render(original, spec, info);
  }
}

function notify(waiters: Array<{ count: number; resolve: () => void }>, reached: number): void {
  for (const waiter of waiters.filter((w) => w.count <= reached)) {
    waiters.splice(waiters.indexOf(waiter), 1);
    waiter.resolve();
  }
}
