import path from 'node:path';
import { ContainerModule } from 'inversify';
import { createKnexClient } from '../../../adapters/sql/knex-client.js';
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
      .toResolvedValue(() => createKnexClient(config))
      .onDeactivation((knex) => knex.destroy());
    bind(TOKENS.CacheIndex).toResolvedValue((knex) => new SqlCacheIndex(knex), [TOKENS.Knex]);
    bind(TOKENS.TokenStore).toResolvedValue((knex) => new SqlTokenStore(knex), [TOKENS.Knex]);
    bind(TOKENS.StartupTasks).toResolvedValue((knex) => ({ name: `migrate ${config.driver} index`, run: () => migrate(knex) }), [TOKENS.Knex]);
  });
}
