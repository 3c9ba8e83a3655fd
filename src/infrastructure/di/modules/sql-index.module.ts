import path from 'node:path';
import { ContainerModule } from 'inversify';
import { InMemoryRenditionLock } from '../../../adapters/in-memory/in-memory-rendition-lock.js';
import { createKnexClient } from '../../../adapters/sql/knex-client.js';
import { PostgresIndexChanges } from '../../../adapters/sql/postgres-index-changes.js';
import { PostgresRenditionLock } from '../../../adapters/sql/postgres-rendition-lock.js';
import { SqlCacheIndex } from '../../../adapters/sql/sql-cache-index.js';
import type { SqlConfig } from '../../../adapters/sql/sql-config.js';
import { migrate } from '../../../adapters/sql/sql-migrations.js';
import { SqlTokenStore } from '../../../adapters/sql/sql-token-store.js';
import { TOKENS } from '../tokens.js';

/** The knex-backed index and token store on SQLite (embedded default) or PostgreSQL, with migrations at start-up. */
export function sqlIndexModule(settings:
  | { driver: 'sqlite'; filename: string | undefined; dataDir: string }
  | { driver: 'postgres'; url: string; poolMax: number }): ContainerModule {
  const config: SqlConfig =
    settings.driver === 'sqlite'
      ? { driver: 'sqlite', filename: settings.filename ?? path.join(settings.dataDir, 'index.sqlite') }
      : { driver: 'postgres', url: settings.url, poolMax: settings.poolMax };
  return new ContainerModule(({ bind }) => {
    // Knex connects lazily, so building it here is synchronous and opens no connection yet.
    bind(TOKENS.Knex)
      .toResolvedValue(
        (root) => {
          // knex reports pool trouble ("Acquire connection error") on the console unless given a logger.
          const log = root.child({ component: 'knex' });
          return createKnexClient(config, {
            log: {
              warn: (message: unknown) => log.warn(String(message)),
              error: (message: unknown) => log.error(String(message)),
              debug: (message: unknown) => log.debug(String(message)),
              deprecate: (method: string, alternative: string) => log.warn(`${method} is deprecated, use ${alternative}`),
            },
          });
        },
        [TOKENS.RootLogger],
      )
      .onDeactivation((knex) => knex.destroy());
    bind(TOKENS.CacheIndex).toResolvedValue((knex) => new SqlCacheIndex(knex), [TOKENS.Knex]);
    bind(TOKENS.TokenStore).toResolvedValue((knex) => new SqlTokenStore(knex), [TOKENS.Knex]);
    if (settings.driver === 'postgres') {
      // Its own pool (connecting lazily, like knex): see PostgresRenditionLock for why locks stay off the index pool.
      const lock = new PostgresRenditionLock({ url: settings.url, maxConnections: settings.poolMax });
      bind(TOKENS.RenditionLock)
        .toConstantValue(lock)
        .onDeactivation(() => lock.close());
      bind(TOKENS.IndexChanges)
        .toResolvedValue((logger) => new PostgresIndexChanges({ url: settings.url }, logger), [TOKENS.Logger])
        .onDeactivation((changes) => (changes as PostgresIndexChanges).close());
    } else {
      // One service process per SQLite file, so excluding within the process is excluding everywhere.
      bind(TOKENS.RenditionLock).toConstantValue(new InMemoryRenditionLock());
    }
    bind(TOKENS.StartupTasks).toResolvedValue((knex) => ({ name: `migrate ${config.driver} index`, run: () => migrate(knex) }), [TOKENS.Knex]);
    if (settings.driver === 'postgres') {
      // Listening before traffic: a replica must not remember rows whose removal it cannot hear of (ADR 0024).
      bind(TOKENS.StartupTasks).toResolvedValue(
        (changes) => ({ name: 'listen for index changes', run: () => (changes as PostgresIndexChanges).start() }),
        [TOKENS.IndexChanges],
      );
    }
  });
}
