import type { CacheIndex } from '../ports/cache-index.js';
import type { OriginalStore } from '../ports/original-store.js';
import type { RenditionCache } from '../ports/rendition-cache.js';

export type ComponentStatus = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<'index' | 'originals' | 'renditions', ComponentStatus>>;
}

/** Asks the index and both stores whether they answer, each within `timeoutMs` (SPEC §6 `/readyz`). */
export class CheckReadiness {
  constructor(
    private readonly index: CacheIndex,
    private readonly originals: OriginalStore,
    private readonly renditions: RenditionCache,
    private readonly timeoutMs: number,
  ) {}

  async execute(): Promise<ReadinessReport> {
    const [index, originals, renditions] = await Promise.all([
      this.probe(() => this.index.check()),
      this.probe(() => this.originals.check()),
      this.probe(() => this.renditions.check()),
    ]);
    return { ready: index.ok && originals.ok && renditions.ok, checks: { index, originals, renditions } };
  }

  private async probe(check: () => Promise<void>): Promise<ComponentStatus> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([check(), timeout]);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
