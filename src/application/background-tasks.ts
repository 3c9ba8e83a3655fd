import type { Logger } from './ports/logger.js';

/**
 * Work that runs after a response has been sent (storing a fresh rendition, purging an old version).
 * Tracked so that graceful shutdown can wait for it, and so its failures are logged, never thrown
 * at a request that has already been answered.
 */
export class BackgroundTasks {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(name: string, work: () => Promise<void>): Promise<void> {
    const task = Promise.resolve()
      .then(work)
      .catch((err: unknown) => this.logger.error(`background task failed: ${name}`, { err, task: name }))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
    return task;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once every task started so far (and any they start) has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
