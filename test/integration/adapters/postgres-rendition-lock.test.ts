import pg from 'pg';
import { advisoryLockIdOf, PostgresRenditionLock } from '../../../src/adapters/sql/postgres-rendition-lock.js';
import { describeRenditionLockContract } from '../../contract/rendition-lock.contract.js';
import { TEST_DATABASE_URL_VARIABLE, UNREACHABLE_POSTGRES_URL } from '../../support/sql-databases.js';

/** Terminates the session that holds the advisory lock of `key`, as if its process had crashed. */
async function terminateHolder(url: string, key: string): Promise<void> {
  // A bigint advisory lock shows in pg_locks as classid = high 32 bits, objid = low 32 bits, objsubid = 1.
  const id = BigInt.asUintN(64, advisoryLockIdOf(key));
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const result = await admin.query<{ pid: number; terminated: boolean }>(
      `select pid, pg_terminate_backend(pid) as terminated from pg_locks
        where locktype = 'advisory' and granted and objsubid = 1 and classid = $1::bigint::oid and objid = $2::bigint::oid`,
      [(id >> 32n).toString(), (id & 0xffffffffn).toString()],
    );
    if (result.rows.length !== 1 || result.rows[0]?.terminated !== true) {
      throw new Error(`expected one session holding ${key}, found ${JSON.stringify(result.rows)}`);
    }
  } finally {
    await admin.end();
  }
}

describe('PostgresRenditionLock', () => {
  const url = process.env[TEST_DATABASE_URL_VARIABLE];
  before(function () {
    if (url === undefined || url === '') {
      console.warn(`      skipping PostgreSQL rendition lock tests: set ${TEST_DATABASE_URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/test)`);
      this.skip();
    }
  });

  describeRenditionLockContract('PostgresRenditionLock (two pools, as two replicas)', async () => {
    const databaseUrl = url as string;
    const subject = new PostgresRenditionLock({ url: databaseUrl, maxConnections: 8 });
    const other = new PostgresRenditionLock({ url: databaseUrl, maxConnections: 8 });
    const extra: PostgresRenditionLock[] = [];
    return {
      subject,
      other,
      killHolder: (key) => terminateHolder(databaseUrl, key),
      unreachable: () => {
        const lock = new PostgresRenditionLock({ url: UNREACHABLE_POSTGRES_URL, maxConnections: 1 });
        extra.push(lock);
        return lock;
      },
      cleanup: async () => {
        await Promise.all([subject, other, ...extra].map((lock) => lock.close()));
      },
    };
  });
});
