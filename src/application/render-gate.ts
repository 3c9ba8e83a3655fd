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

/**
 * Work estimated at this many CPU milliseconds or more is heavy (ADR 0023): the renders pages ask for (up to about
 * 1 MP of JPEG, WebP or AVIF, half a megapixel of GIF) estimate well below it, while what is over it holds a slot
 * for seconds of wall time on a loaded host, the wait a light miss must not inherit.
 */
export const HEAVY_WORK_MS = 1000;

interface Waiter {
  readonly heavy: boolean;
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
 * Heavy work (an estimate of `HEAVY_WORK_MS` or more) may hold at most `concurrency - 1` slots (one when
 * `concurrency` is 1), so with two or more slots one always stays for light work: a render at the size limit or
 * a large decode proof cannot make an ordinary miss wait seconds behind it (ADR 0023). Waiters are admitted
 * oldest first, skipping heavy ones while the heavy lane is full; so light work overtakes heavy work only when
 * the heavy work could not run anyway, and heavy work keeps its order among itself.
 *
 * Only renders and upload decodes pass through the gate; cache hits never wait here.
 */
export class RenderGate {
  private running = 0;
  private runningHeavy = 0;
  private readonly heavyLimit: number;
  private readonly queue: Waiter[] = [];

  constructor(private readonly settings: RenderGateSettings) {
    if (!(settings.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    if (!(settings.queueLimit >= 0)) throw new RangeError('queueLimit must not be negative');
    this.heavyLimit = Math.max(1, settings.concurrency - 1);
  }

  /** Renders running now, including abandoned ones whose work has not ended yet. */
  get active(): number {
    return this.running;
  }

  /** Heavy renders and decodes holding a slot now (at most `max(1, concurrency - 1)`). */
  get activeHeavy(): number {
    return this.runningHeavy;
  }

  /** Renders waiting for a slot now. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Runs `work` once a slot is free, `estimatedMs` (its CPU estimate) deciding whether it is heavy. Throws
   * `OverloadedError` if the queue is full or the wait outlasts `timeoutMs`, and `RenderTimeoutError` if `work`
   * itself outlasts `timeoutMs`; the slot is released only when `work` settles.
   */
  async run<T>(work: () => Promise<T>, estimatedMs: number): Promise<T> {
    const heavy = estimatedMs >= HEAVY_WORK_MS;
    await this.acquire(heavy);
    let task: Promise<T>;
    try {
      task = work();
    } catch (error) {
      this.release(heavy);
      throw error;
    }
    // The slot follows the work, not the answer.
    task.then(
      () => this.release(heavy),
      () => this.release(heavy),
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

  /**
   * Throws the `OverloadedError` that `run` would throw at once for work of this estimate (no slot it could take is
   * free and the queue is full), so that a caller can refuse before it prepares the work. `run` still decides: a
   * slot may be taken or freed in between.
   */
  refuseIfFull(estimatedMs: number): void {
    if (!this.canStart(estimatedMs >= HEAVY_WORK_MS) && this.queue.length >= this.settings.queueLimit) throw this.queueFull();
  }

  private queueFull(): OverloadedError {
    return new OverloadedError(`${this.running} renders are running and ${this.queue.length} waiting; try again shortly`, RETRY_AFTER_SECONDS);
  }

  private canStart(heavy: boolean): boolean {
    return this.running < this.settings.concurrency && (!heavy || this.runningHeavy < this.heavyLimit);
  }

  private start(heavy: boolean): void {
    this.running += 1;
    if (heavy) this.runningHeavy += 1;
  }

  private acquire(heavy: boolean): Promise<void> {
    // Whoever waits is waiting for a slot this work could not take either, or for the heavy lane it does not need.
    if (this.canStart(heavy)) {
      this.start(heavy);
      return Promise.resolve();
    }
    if (this.queue.length >= this.settings.queueLimit) return Promise.reject(this.queueFull());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        heavy,
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

  private release(heavy: boolean): void {
    this.running -= 1;
    if (heavy) this.runningHeavy -= 1;
    for (;;) {
      const at = this.queue.findIndex((waiter) => this.canStart(waiter.heavy));
      if (at < 0) return;
      const next = this.queue.splice(at, 1)[0];
      if (next === undefined) return;
      clearTimeout(next.timer);
      this.start(next.heavy);
      next.admit();
    }
  }
}
