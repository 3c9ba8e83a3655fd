import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { TokenStore } from '../ports/token-store.js';

export interface PurgeExpiredTokensDependencies {
  readonly tokens: TokenStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A running schedule; `stop` waits for a purge under way. */
export interface PurgeSchedule {
  stop(): Promise<void>;
}

/**
 * Once per token lifetime (at least every second, at most every ten minutes) keeps expired rows to about
 * one lifetime's worth without a query per request.
 */
export function tokenPurgeIntervalMs(ttlSeconds: number): number {
  return Math.min(600_000, Math.max(1_000, ttlSeconds * 1000));
}

/**
 * Deletes upload tokens that have expired (SPEC §5.1). Expired tokens are removed by a schedule, not by
 * the request that happens to notice them, so no request pays for the cleanup.
 */
export class PurgeExpiredTokens {
  constructor(
    private readonly deps: PurgeExpiredTokensDependencies,
    private readonly settings: { readonly ttlSeconds: number },
  ) {}

  /** Deletes the tokens that expired before now; returns how many. Throws the store's failure. */
  async execute(): Promise<number> {
    const purged = await this.deps.tokens.purgeExpired(this.deps.clock.now());
    if (purged > 0) this.deps.logger.info('purged expired upload tokens', { purged });
    return purged;
  }

  /**
   * Runs `execute` every `tokenPurgeIntervalMs(ttlSeconds)`, one at a time; a failure is logged and
   * retried at the next interval. The timer is unref'd: it never keeps the process alive.
   */
  schedule(): PurgeSchedule {
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      if (running !== undefined) return;
      running = this.execute()
        .then(
          () => undefined,
          (error: unknown) => this.deps.logger.warn('purging expired upload tokens failed; retrying at the next interval', { err: error }),
        )
        .finally(() => (running = undefined));
    }, tokenPurgeIntervalMs(this.settings.ttlSeconds));
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  }
}
