import path from 'node:path';
import { ContainerModule, type ContainerModuleLoadOptions } from 'inversify';
import type { Knex } from 'knex';
import type { Logger as Pino } from 'pino';
import { InMemoryRenditionLock } from '../../../adapters/in-memory/in-memory-rendition-lock.js';
import { SqlCacheIndex } from '../../../adapters/sql/sql-cache-index.js';
import type { PostgresIndexChanges } from '../../../adapters/sql/postgres-index-changes.js';
import type { SqlConfig } from '../../../adapters/sql/sql-config.js';
import { migrate } from '../../../adapters/sql/sql-migrations.js';
import { SqlTokenStore } from '../../../adapters/sql/sql-token-store.js';
import type { CacheIndex } from '../../../application/ports/cache-index.js';
import type { IndexChange, IndexChanges } from '../../../application/ports/index-changes.js';
import type { Logger } from '../../../application/ports/logger.js';
import type { RenditionLock } from '../../../application/ports/rendition-lock.js';
import type { TokenStore } from '../../../application/ports/token-store.js';
import { deferredPort, loadDriver, releaseWhenLoaded } from '../driver-loading.js';
import { TOKENS } from '../tokens.js';

function knexLogger(root: Pino): Knex.Logger {
  // knex reports pool trouble ("Acquire connection error") on the console unless given a logger.
  const log = root.child({ component: 'knex' });
  return {
    warn: (message: unknown) => log.warn(String(message)),
    error: (message: unknown) => log.error(String(message)),
    debug: (message: unknown) => log.debug(String(message)),
    deprecate: (method: string, alternative: string) => log.warn(`${method} is deprecated, use ${alternative}`),
  };
}

/** knex (and through it better-sqlite3 or `pg`) is imported only when the index is SQL (ADR 0029). */
function loadKnex(config: SqlConfig, log: Knex.Logger): Promise<Knex> {
  const packages = config.driver === 'sqlite' ? ['knex', 'better-sqlite3'] : ['knex', 'pg'];
  return loadDriver(`index.driver "${config.driver}"`, packages, async () => {
    const { createKnexClient } = await import('../../../adapters/sql/knex-client.js');
    return createKnexClient(config, { log });
  });
}

/** Its own pool (connecting lazily, like knex): see PostgresRenditionLock for why locks stay off the index pool. */
function loadPostgresLock(url: string, poolMax: number): Promise<RenditionLock & { close(): Promise<void> }> {
  return loadDriver('index.driver "postgres"', ['pg'], async () => {
    const { PostgresRenditionLock } = await import('../../../adapters/sql/postgres-rendition-lock.js');
    return new PostgresRenditionLock({ url, maxConnections: poolMax });
  });
}

/**
 * `IndexChanges` through PostgreSQL's listener, imported (with `pg`) only with a PostgreSQL index, like knex. A
 * subscription made while it loads is handed on once it has, before it can hear anything: it listens only when
 * its start-up task calls `start()`, which also reports a listener that failed to load.
 */
class LoadingIndexChanges implements IndexChanges {
  private readonly loading: Promise<PostgresIndexChanges>;

  constructor(url: string, logger: Logger) {
    this.loading = loadDriver('index.driver "postgres"', ['pg'], async () => {
      const { PostgresIndexChanges } = await import('../../../adapters/sql/postgres-index-changes.js');
      return new PostgresIndexChanges({ url }, logger);
    });
  }

  subscribe(listener: (change: IndexChange) => void): void {
    this.loading.then((changes) => changes.subscribe(listener), () => undefined);
  }

  async start(): Promise<void> {
    await (await this.loading).start();
  }

  close(): Promise<void> {
    return releaseWhenLoaded(this.loading, (changes) => changes.close());
  }
}

/** With PostgreSQL: the rendition lock on its own pool, and the listener for other processes' index changes. */
function bindPostgresOnly(bind: ContainerModuleLoadOptions['bind'], url: string, lock: Promise<RenditionLock & { close(): Promise<void> }>): void {
  bind(TOKENS.RenditionLock)
    .toConstantValue(deferredPort<RenditionLock>(lock))
    .onDeactivation(() => releaseWhenLoaded(lock, (loaded) => loaded.close()));
  bind(TOKENS.IndexChanges)
    .toResolvedValue((logger) => new LoadingIndexChanges(url, logger), [TOKENS.Logger])
    .onDeactivation((changes) => (changes as LoadingIndexChanges).close());
  // Listening before traffic: a replica must not remember rows whose removal it cannot hear of (ADR 0024).
  bind(TOKENS.StartupTasks).toResolvedValue(
    (changes) => ({ name: 'listen for index changes', run: () => (changes as LoadingIndexChanges).start() }),
    [TOKENS.IndexChanges],
  );
}

/** The knex-backed index and token store on SQLite (embedded default) or PostgreSQL, with migrations at start-up. */
export function sqlIndexModule(settings:
  | { driver: 'sqlite'; filename: string | undefined; dataDir: string }
  | { driver: 'postgres'; url: string; poolMax: number }): ContainerModule {
  const config: SqlConfig =
    settings.driver === 'sqlite'
      ? { driver: 'sqlite', filename: settings.filename ?? path.join(settings.dataDir, 'index.sqlite') }
      : { driver: 'postgres', url: settings.url, poolMax: settings.poolMax };
  return new ContainerModule(({ bind }) => {
    // Knex connects lazily, so building it opens no connection yet.
    bind(TOKENS.Knex)
      .toResolvedValue((root) => ({ loaded: loadKnex(config, knexLogger(root)) }), [TOKENS.RootLogger])
      .onDeactivation(({ loaded }) => releaseWhenLoaded(loaded, (knex) => knex.destroy()));
    bind(TOKENS.CacheIndex).toResolvedValue(({ loaded }) => deferredPort<CacheIndex>(loaded.then((knex) => new SqlCacheIndex(knex))), [TOKENS.Knex]);
    bind(TOKENS.TokenStore).toResolvedValue(({ loaded }) => deferredPort<TokenStore>(loaded.then((knex) => new SqlTokenStore(knex))), [TOKENS.Knex]);
    const lock = settings.driver === 'postgres' ? loadPostgresLock(settings.url, settings.poolMax) : undefined;
    bind(TOKENS.StartupTasks).toResolvedValue(
      ({ loaded }) => ({
        name: `migrate ${config.driver} index`,
        run: async () => {
          await lock;
          await migrate(await loaded);
        },
      }),
      [TOKENS.Knex],
    );
    if (settings.driver === 'sqlite' || lock === undefined) {
      // One service process per SQLite file, so excluding within the process is excluding everywhere.
      bind(TOKENS.RenditionLock).toConstantValue(new InMemoryRenditionLock());
    } else bindPostgresOnly(bind, settings.url, lock);
  });
}
