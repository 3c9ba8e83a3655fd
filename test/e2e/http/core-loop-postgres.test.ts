import { describeCoreLoop } from './core-loop.suite.js';

describeCoreLoop('filesystem + PostgreSQL + sharp', () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    console.warn('    skipped: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the core loop on PostgreSQL');
    return undefined;
  }
  return { index: { driver: 'postgres', url } };
});
