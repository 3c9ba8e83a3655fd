import { OverloadedError, RenderTimeoutError } from './application-error.js';

export interface RenderGateSettings {
  /** Renders that may run at once (`render.concurrency`). */
  readonly concurrency: number;
  /** Renders that may wait for a free slot (`render.queueLimit`); one more is refused. */
  readonly queueLimit: number;
  /** Bound on a render's run time, and separately on its wait for a slot (`render.timeoutMs`). */
  readonly timeoutMs: number;
}

/**
 * A render is typically well under a second, so a short hint spreads retries over the next moments
 * without making clients (or a CDN) idle for long.
 */
const RETRY_AFTER_SECONDS = 2;

interface Waiter {
  readonly admit: () => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * SPEC §6 "Load": admits at most `concurrency` renders (and upload decodes) at once and lets at most
 * `queueLimit` wait (first come, first served). Beyond that, or when a wait outlasts the time limit, the
 * caller gets `OverloadedError` (503 with `Retry-After`) instead of piling up work that would exhaust memory.
 *
 * A render that runs past the time limit fails with `RenderTimeoutError` at once, but keeps its slot until its
 * work has really ended: libvips cannot be cancelled from JavaScript (its own timeout stops the pipeline only
 * between tiles, and an AV1 or WebP encode not at all), so giving the slot back at the 504 would let more
 * encodes run than configured (ADR 0014). Work that could not finish within the limit is refused before it
 * gets here, so a held slot outlives its answer by little.
 *
 * Only renders and upload decodes pass through the gate; cache hits never wait here.
 */
export class RenderGate {
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly settings: RenderGateSettings) {
    if (!(settings.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    if (!(settings.queueLimit >= 0)) throw new RangeError('queueLimit must not be negative');
  }

  /** Renders running now, including abandoned ones whose work has not ended yet. */
  get active(): number {
    return this.running;
  }

  /** Renders waiting for a slot now. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Runs `work` once a slot is free. Throws `OverloadedError` if the queue is full or the wait
   * outlasts `timeoutMs`, and `RenderTimeoutError` if `work` itself outlasts `timeoutMs`; the slot is
   * released only when `work` settles.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    let task: Promise<T>;
    try {
      task = work();
    } catch (error) {
      this.release();
      throw error;
    }
    // The slot follows the work, not the answer.
    task.then(
      () => this.release(),
      () => this.release(),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new RenderTimeoutError(`the render ran longer than ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
    });
    try {
      return await Promise.race([task, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.settings.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.queue.length >= this.settings.queueLimit) {
      return Promise.reject(
        new OverloadedError(`${this.running} renders are running and ${this.queue.length} waiting; try again shortly`, RETRY_AFTER_SECONDS),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(new OverloadedError(`no render slot became free within ${this.settings.timeoutMs} ms; try again shortly`, RETRY_AFTER_SECONDS));
        }, this.settings.timeoutMs),
      };
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    if (next === undefined) {
      this.running -= 1;
      return;
    }
    // The slot passes straight to the next waiter, so `running` stays the same.
    clearTimeout(next.timer);
    next.admit();
  }
}
