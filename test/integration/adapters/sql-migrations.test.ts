import { expect } from 'chai';
import type { Knex } from 'knex';
import { SqlCacheIndex } from '../../../src/adapters/sql/sql-cache-index.js';
import { migrate } from '../../../src/adapters/sql/sql-migrations.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import { OriginalMother } from '../../support/original-mother.js';
import {
  SILENT_KNEX_LOG,
  UNREACHABLE_POSTGRES_URL,
  usePostgresDatabase,
  useSqliteDatabase,
  withKnex,
  type SqlTestDatabase,
} from '../../support/sql-databases.js';

async function tableNames(knex: Knex): Promise<string[]> {
  const tables: string[] = [];
  for (const table of ['originals', 'renditions', 'tokens', 'index_migrations']) {
    if (await knex.schema.hasTable(table)) tables.push(table);
  }
  return tables;
}

function describeMigrations(database: SqlTestDatabase): void {
  it('creates every table, and running again (twice, concurrently too) changes nothing and keeps the rows', async () => {
    await withKnex(database.config, async (knex) => {
      const original = OriginalMother.random();
      await new SqlCacheIndex(knex).saveOriginal(original, { replace: false });
      const before = await knex('index_migrations').select('name');

      await migrate(knex);
      await Promise.all([migrate(knex), migrate(knex)]);

      expect(await tableNames(knex)).to.deep.equal(['originals', 'renditions', 'tokens', 'index_migrations']);
      expect(await knex('index_migrations').select('name')).to.deep.equal(before);
      expect(before).to.have.length(4);
      expect(await new SqlCacheIndex(knex).findOriginal(original.id)).to.deep.equal(original);
    });
  });
}

describe('SQL migrations on SQLite', () => {
  describeMigrations(useSqliteDatabase());
});

describe('SQL migrations on PostgreSQL', () => {
  describeMigrations(usePostgresDatabase());
});

describe('SQL migrations with an unreachable PostgreSQL', () => {
  it('fail with IndexUnavailableError carrying the driver error', async () => {
    await withKnex(
      { driver: 'postgres', url: UNREACHABLE_POSTGRES_URL },
      async (knex) => {
        const error = await migrate(knex).then(
          () => expect.fail('expected a failure'),
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(IndexUnavailableError);
        expect(String((error as Error).cause)).to.match(/ECONNREFUSED|connect/i);
      },
      { log: SILENT_KNEX_LOG },
    );
  });
});
