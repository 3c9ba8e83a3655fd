import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { SqlTokenStore } from '../../../src/adapters/sql/sql-token-store.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import { Token, TOKEN_BYTES } from '../../../src/domain/token.js';
import { describeTokenStoreContract } from '../../contract/token-store.contract.js';
import {
  SILENT_KNEX_LOG,
  sqlSubjectFactory,
  UNREACHABLE_POSTGRES_URL,
  usePostgresDatabase,
  useSqliteDatabase,
  withKnex,
} from '../../support/sql-databases.js';
import { uniqueId } from '../../support/unique-id.js';

describe('SqlTokenStore on SQLite', () => {
  const database = useSqliteDatabase();
  describeTokenStoreContract('SqlTokenStore (SQLite)', sqlSubjectFactory(database, (knex) => new SqlTokenStore(knex)));
});

describe('SqlTokenStore on PostgreSQL', () => {
  const database = usePostgresDatabase();
  describeTokenStoreContract('SqlTokenStore (PostgreSQL)', sqlSubjectFactory(database, (knex) => new SqlTokenStore(knex)));
});

describe('SqlTokenStore with an unreachable PostgreSQL', () => {
  it('reports IndexUnavailableError with the driver error as cause', async () => {
    await withKnex({ driver: 'postgres', url: UNREACHABLE_POSTGRES_URL }, async (knex) => {
      const store = new SqlTokenStore(knex);
      const now = new Date();
      const { token } = Token.issue({ imageId: uniqueId('img_'), secret: randomBytes(TOKEN_BYTES), now, ttlSeconds: 60 });
      const error = await store.claim(token.hash, now).then(
        () => expect.fail('expected a failure'),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(IndexUnavailableError);
      expect(String((error as Error).cause)).to.match(/ECONNREFUSED|connect/i);
    }, { log: SILENT_KNEX_LOG });
  });
});
