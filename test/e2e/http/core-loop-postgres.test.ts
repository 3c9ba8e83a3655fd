import { usePostgresDatabase } from '../../support/sql-databases.js';
import { describeCoreLoop } from './core-loop.suite.js';

// A private schema, as the adapter tests have: the database's public schema is shared with every other run
// against TEST_DATABASE_URL, whose migrations may be ahead of or behind this checkout's.
describe('core loop on a private PostgreSQL schema', () => {
  const database = process.env.TEST_DATABASE_URL ? usePostgresDatabase() : undefined;
  describeCoreLoop('filesystem + PostgreSQL + sharp', () => {
    if (database === undefined) {
      console.warn('    skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the core loop on PostgreSQL');
      return undefined;
    }
    const { config } = database;
    if (config.driver !== 'postgres') throw new Error('usePostgresDatabase gave a non-PostgreSQL configuration');
    return { index: { driver: 'postgres', url: config.url } };
  });
});
