import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createKnexClient, type KnexClientOptions } from '../../src/adapters/sql/knex-client.js';
import type { SqlConfig } from '../../src/adapters/sql/sql-config.js';
import { migrate } from '../../src/adapters/sql/sql-migrations.js';

export const TEST_DATABASE_URL_VARIABLE = 'TEST_DATABASE_URL';

/** Where nothing listens: connecting is refused at once. */
export const UNREACHABLE_POSTGRES_URL = 'postgres://postgres@127.0.0.1:1/x';

/** A database prepared for one `describe` block; `config` is valid once its `before` hook has run. */
export interface SqlTestDatabase {
  readonly config: SqlConfig;
}

/**
 * Registers hooks that give the enclosing `describe` a fresh, migrated SQLite file under the OS temp
 * folder (in a sub-folder that does not exist yet, so the client must create it), removed afterwards.
 */
export function useSqliteDatabase(): SqlTestDatabase {
  let folder: string | undefined;
  let config: SqlConfig | undefined;
  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'lir-sql-'));
    config = { driver: 'sqlite', filename: join(folder, 'data', 'index.sqlite') };
    await withKnex(config, migrate);
  });
  after(() => {
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });
  return {
    get config(): SqlConfig {
      if (config === undefined) throw new Error('the SQLite test database is not ready (used outside a test?)');
      return config;
    },
  };
}

/**
 * Registers hooks that give the enclosing `describe` a private, migrated schema in the PostgreSQL
 * database named by TEST_DATABASE_URL, dropped afterwards; without the variable every test in the
 * block is skipped with a warning. A private schema keeps runs (and other engineers' runs) apart
 * and checks the migrations against an empty schema every time.
 */
export function usePostgresDatabase(): SqlTestDatabase {
  const url = process.env[TEST_DATABASE_URL_VARIABLE];
  const schema = `lir_test_${randomBytes(6).toString('hex')}`;
  let config: SqlConfig | undefined;
  before(async function () {
    const databaseUrl = postgresUrlOrSkip(this);
    await withKnex({ driver: 'postgres', url: databaseUrl }, (knex) => knex.raw('create schema ??', [schema]));
    config = { driver: 'postgres', url: schemaScopedUrl(databaseUrl, schema), poolMax: 25 };
    await withKnex(config, migrate);
  });
  after(async () => {
    if (url === undefined || url === '' || config === undefined) return;
    await withKnex({ driver: 'postgres', url }, (knex) => knex.raw('drop schema if exists ?? cascade', [schema]));
  });
  return {
    get config(): SqlConfig {
      if (config === undefined) throw new Error('the PostgreSQL test database is not ready (used outside a test?)');
      return config;
    },
  };
}

/** TEST_DATABASE_URL, or (without it) skips the calling hook's tests with a warning saying how to run them. */
export function postgresUrlOrSkip(context: Mocha.Context): string {
  const url = process.env[TEST_DATABASE_URL_VARIABLE];
  if (url === undefined || url === '') {
    console.warn(`      skipping PostgreSQL tests: set ${TEST_DATABASE_URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/test)`);
    context.skip();
  }
  return url;
}

/** `url` with `schema` as the search path of its sessions. */
export function schemaScopedUrl(url: string, schema: string): string {
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return scoped.toString();
}

/** Runs `action` on the URL of a new, empty schema (no tables yet) in the database at `url`, dropped afterwards. */
export async function withEmptyPostgresSchema(url: string, action: (schemaUrl: string) => Promise<void>): Promise<void> {
  const schema = `lir_empty_${randomBytes(6).toString('hex')}`;
  await withKnex({ driver: 'postgres', url }, (knex) => knex.raw('create schema ??', [schema]));
  try {
    await action(schemaScopedUrl(url, schema));
  } finally {
    await withKnex({ driver: 'postgres', url }, (knex) => knex.raw('drop schema if exists ?? cascade', [schema]));
  }
}

/** For tests that provoke connection failures on purpose: keeps knex's own warnings off the console. */
export const SILENT_KNEX_LOG: Knex.Logger = { warn: () => {}, error: () => {}, deprecate: () => {}, debug: () => {} };

export async function withKnex<T>(
  config: SqlConfig,
  action: (knex: Knex) => Promise<T> | T,
  options: KnexClientOptions = {},
): Promise<T> {
  const knex = createKnexClient(config, options);
  try {
    return await action(knex);
  } finally {
    await knex.destroy();
  }
}

/**
 * A subject for the contract suites: a new knex client per test (so an outage can be simulated by
 * destroying it without affecting the next test) around an adapter built by `build`.
 */
export function sqlSubjectFactory<T>(database: SqlTestDatabase, build: (knex: Knex) => T) {
  return async () => {
    const knex = createKnexClient(database.config);
    return {
      subject: build(knex),
      cleanup: () => knex.destroy(),
      simulateOutage: () => knex.destroy(),
    };
  };
}
