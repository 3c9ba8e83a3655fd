import { expect } from 'chai';
import { createKnexClient } from '../../../src/adapters/sql/knex-client.js';
import { SqlCacheIndex } from '../../../src/adapters/sql/sql-cache-index.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import { describeCacheIndexContract } from '../../contract/cache-index.contract.js';
import { OriginalMother, RenditionRecordMother } from '../../support/original-mother.js';
import {
  SILENT_KNEX_LOG,
  sqlSubjectFactory,
  UNREACHABLE_POSTGRES_URL,
  usePostgresDatabase,
  useSqliteDatabase,
  withKnex,
} from '../../support/sql-databases.js';

describe('SqlCacheIndex on SQLite', () => {
  const database = useSqliteDatabase();
  describeCacheIndexContract('SqlCacheIndex (SQLite)', sqlSubjectFactory(database, (knex) => new SqlCacheIndex(knex)));

  it('runs in WAL mode with a busy timeout', async () => {
    await withKnex(database.config, async (knex) => {
      const journal = (await knex.raw('pragma journal_mode')) as Array<{ journal_mode: string }>;
      const busy = (await knex.raw('pragma busy_timeout')) as Array<{ timeout: number }>;
      expect(journal[0]?.journal_mode).to.equal('wal');
      expect(busy[0]?.timeout).to.be.greaterThan(0);
    });
  });

  it('lets two clients on one file write concurrently without SQLITE_BUSY', async () => {
    const [a, b] = [createKnexClient(database.config), createKnexClient(database.config)];
    try {
      const writers = [new SqlCacheIndex(a), new SqlCacheIndex(b)];
      const originals = Array.from({ length: 40 }, () => OriginalMother.random());
      await Promise.all(
        originals.map(async (original, i) => {
          const index = writers[i % 2] as SqlCacheIndex;
          await index.saveOriginal(original, { replace: false });
          await index.saveRendition(RenditionRecordMother.of(original));
          await index.deleteOriginal(original.id);
        }),
      );
      for (const original of originals) expect(await writers[0]?.findOriginal(original.id)).to.equal(undefined);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
});

describe('SqlCacheIndex on PostgreSQL', () => {
  const database = usePostgresDatabase();
  describeCacheIndexContract(
    'SqlCacheIndex (PostgreSQL)',
    sqlSubjectFactory(database, (knex) => new SqlCacheIndex(knex)),
  );
});

describe('SqlCacheIndex with an unreachable PostgreSQL', () => {
  it('reports IndexUnavailableError with the driver error as cause, from check() and from a query', async () => {
    await withKnex({ driver: 'postgres', url: UNREACHABLE_POSTGRES_URL }, async (knex) => {
      const index = new SqlCacheIndex(knex);
      for (const call of [() => index.check(), () => index.findOriginal(OriginalMother.random().id)]) {
        const error = await call().then(
          () => expect.fail('expected a failure'),
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(IndexUnavailableError);
        expect(String((error as Error).cause)).to.match(/ECONNREFUSED|connect/i);
      }
    }, { log: SILENT_KNEX_LOG });
  });
});
