import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import type { SqlConfig } from './sql-config.js';

/** How long a SQLite connection waits for another process's write lock before giving up with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
/** An unreachable database should fail a request (and `/readyz`) promptly, not after knex's 60 s default. */
const ACQUIRE_CONNECTION_TIMEOUT_MS = 10_000;
const PG_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_PG_POOL_MAX = 10;

interface BetterSqliteConnection {
  pragma(source: string): unknown;
}

export interface KnexClientOptions {
  /**
   * Where knex reports pool and connection trouble (e.g. "Acquire connection error"); by default it
   * writes to the console. The same failures also reach the caller as `IndexUnavailableError`.
   */
  readonly log?: Knex.Logger;
}

/**
 * Creates (but does not connect) a knex instance for the configured database. The caller owns it and
 * must `destroy()` it on shutdown.
 */
export function createKnexClient(config: SqlConfig, options: KnexClientOptions = {}): Knex {
  const log = options.log === undefined ? {} : { log: options.log };
  if (config.driver === 'sqlite') {
    if (config.filename !== ':memory:') mkdirSync(dirname(config.filename), { recursive: true });
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: config.filename },
      useNullAsDefault: true,
      ...log,
      acquireConnectionTimeout: ACQUIRE_CONNECTION_TIMEOUT_MS,
      pool: {
        afterCreate(connection: BetterSqliteConnection, done: (error: Error | null, connection: unknown) => void) {
          try {
            // WAL lets readers in other processes proceed during a write; the busy timeout makes a
            // writer wait for the lock instead of failing at once with SQLITE_BUSY.
            connection.pragma('journal_mode = WAL');
            connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
            done(null, connection);
          } catch (error) {
            done(error as Error, connection);
          }
        },
      },
    });
  }
  return knexFactory({
    client: 'pg',
    ...log,
    connection: { connectionString: config.url, connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS },
    acquireConnectionTimeout: ACQUIRE_CONNECTION_TIMEOUT_MS,
    // min 0: no idle connections are held open (and none is attempted) before the first query.
    pool: { min: 0, max: config.poolMax ?? DEFAULT_PG_POOL_MAX },
  });
}
