import { expect } from 'chai';
import type { Knex } from 'knex';
import { createKnexClient } from '../../../src/adapters/sql/knex-client.js';
import { SqlCacheIndex } from '../../../src/adapters/sql/sql-cache-index.js';
import { migrate } from '../../../src/adapters/sql/sql-migrations.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import { OriginalMother } from '../../support/original-mother.js';
import {
  SILENT_KNEX_LOG,
  UNREACHABLE_POSTGRES_URL,
  postgresUrlOrSkip,
  usePostgresDatabase,
  useSqliteDatabase,
  withEmptyPostgresSchema,
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

describe('SQL migrations of replicas starting together on an empty PostgreSQL schema', function () {
  this.timeout(60_000);
  const REPLICAS = 4;
  const ROUNDS = 8;
  let url: string;

  before(function () {
    url = postgresUrlOrSkip(this);
  });

  it(`all migrate, ${ROUNDS} times out of ${ROUNDS}, and leave knex's lock table with its one free row`, async () => {
    // Each replica is a knex instance with a pool of its own, as in separate processes. Before the advisory lock,
    // about one round in three lost a replica to a duplicate bookkeeping table or to two lock rows.
    for (let round = 0; round < ROUNDS; round++) {
      await withEmptyPostgresSchema(url, async (schemaUrl) => {
        const replicas = Array.from({ length: REPLICAS }, () => createKnexClient({ driver: 'postgres', url: schemaUrl, poolMax: 1 }, { log: SILENT_KNEX_LOG }));
        try {
          const outcomes = await Promise.allSettled(replicas.map((knex) => migrate(knex)));
          const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [String(outcome.reason)] : []));
          expect(failures, `round ${round}`).to.deep.equal([]);
          const knex = replicas[0] as Knex;
          expect(await knex('index_migrations').count({ n: '*' }).first()).to.deep.equal({ n: '4' });
          expect(await knex('index_migrations_lock').select('is_locked')).to.deep.equal([{ is_locked: 0 }]);
        } finally {
          await Promise.all(replicas.map((knex) => knex.destroy()));
        }
      });
    }
  });

  it('a lock table left with two free rows by an earlier race is mended, and the next migration runs', async () => {
    await withEmptyPostgresSchema(url, async (schemaUrl) => {
      await withKnex({ driver: 'postgres', url: schemaUrl, poolMax: 1 }, async (knex) => {
        await migrate(knex);
        // The state two processes creating the table together left behind: knex then refused every migration.
        await knex('index_migrations_lock').insert({ is_locked: 0 });
        const last = await knex('index_migrations').orderBy('id', 'desc').first('id', 'name');
        await knex('index_migrations').where({ id: last.id }).del();
        await knex.schema.alterTable('originals', (table) => table.dropColumns('blurhash', 'thumbhash', 'dominant_color', 'focal_x', 'focal_y'));

        await migrate(knex);

        expect(await knex('index_migrations').orderBy('id', 'desc').first('name')).to.deep.equal({ name: last.name });
        expect(await knex.schema.hasColumn('originals', 'focal_y')).to.equal(true);
        expect(await knex('index_migrations_lock').select('is_locked')).to.deep.equal([{ is_locked: 0 }]);
      });
    });
  });
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
