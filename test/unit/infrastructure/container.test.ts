import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { Container, ServiceIdentifier } from 'inversify';
import { ImageRequest } from '../../../src/domain/image-request.js';
import type { ConfigInput } from '../../../src/infrastructure/config/config-schema.js';
import { loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { buildContainer } from '../../../src/infrastructure/di/build-container.js';
import { TOKENS } from '../../../src/infrastructure/di/tokens.js';
import { createLogger } from '../../../src/infrastructure/logging/create-logger.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { rejectionOf } from '../../support/rejection.js';
import { TEST_DATABASE_URL_VARIABLE, withKnex } from '../../support/sql-databases.js';
import { readAll } from '../../support/storage-fixtures.js';
import { uniqueId } from '../../support/unique-id.js';

type TokenName = keyof typeof TOKENS;
const ALL_TOKENS = Object.keys(TOKENS) as TokenName[];
/** Bound only by the SQL index module: an in-memory index needs no client and no migrations. */
const SQL_ONLY: readonly TokenName[] = ['Knex', 'StartupTasks'];
/** Bound with PostgreSQL only: the index's announcements of removed rows. */
const POSTGRES_ONLY: readonly TokenName[] = ['IndexChanges'];

/** A private schema in the TEST_DATABASE_URL database, so the start-up migration runs against an empty schema. */
let postgresUrl: string | undefined;

interface Combination {
  readonly name: string;
  /** Tokens this combination does not bind. */
  readonly unbound: readonly TokenName[];
  /** Whether the drivers can be used without a network (upload and render through the container). */
  readonly offline: boolean;
  config(dataDir: string): ConfigInput | undefined;
  /** Extra assertions after the round trip. */
  check?(dataDir: string): void;
}

function s3(bucket: string) {
  // Port 9 (discard) on loopback: nothing is ever sent there, since the SDK connects lazily and this test makes no S3 call.
  return { driver: 's3', bucket, endpoint: 'http://127.0.0.1:9', forcePathStyle: true, accessKeyId: 'dummy', secretAccessKey: 'dummy-secret' } as const;
}

const COMBINATIONS: readonly Combination[] = [
  {
    name: 'memory originals, memory renditions, memory index',
    unbound: [...SQL_ONLY, 'RenditionBudget', ...POSTGRES_ONLY],
    offline: true,
    config: () => ({ originals: { driver: 'memory' }, renditions: { driver: 'memory' }, index: { driver: 'memory' } }),
  },
  {
    name: 'filesystem originals, filesystem renditions, sqlite index',
    unbound: ['RenditionBudget', ...POSTGRES_ONLY],
    offline: true,
    config: (dataDir) => ({ dataDir, originals: { driver: 'filesystem' }, renditions: { driver: 'filesystem' }, index: { driver: 'sqlite' } }),
  },
  {
    name: 'filesystem originals (own root), filesystem renditions with a public URL and a budget, sqlite index (own file)',
    unbound: [...POSTGRES_ONLY],
    offline: true,
    config: (dataDir) => ({
      dataDir: path.join(dataDir, 'unused'),
      originals: { driver: 'filesystem', root: path.join(dataDir, 'o') },
      renditions: { driver: 'filesystem', root: path.join(dataDir, 'r'), maxBytes: 1_000_000 },
      index: { driver: 'sqlite', filename: path.join(dataDir, 'db', 'index.sqlite') },
      delivery: { publicBaseUrl: 'https://cdn.example.test/' },
    }),
    check: (dataDir) => {
      expect(readdirSync(path.join(dataDir, 'o'))).to.have.length(1);
      expect(readdirSync(path.join(dataDir, 'r'))).to.have.length(1);
      expect(existsSync(path.join(dataDir, 'db', 'index.sqlite'))).to.equal(true);
      expect(existsSync(path.join(dataDir, 'unused'))).to.equal(false);
    },
  },
  {
    name: 'filesystem originals, filesystem renditions, postgres index',
    unbound: ['RenditionBudget'],
    offline: true,
    config: (dataDir) => {
      const url = postgresUrl;
      return url === undefined ? undefined : { dataDir, originals: { driver: 'filesystem' }, renditions: { driver: 'filesystem' }, index: { driver: 'postgres', url } };
    },
  },
  {
    name: 's3 originals, s3 renditions with a budget, memory index (dummy endpoint, constructed lazily)',
    // The start-up tasks here only wait for the S3 driver's import.
    unbound: ['Knex', ...POSTGRES_ONLY],
    offline: false,
    config: () => ({ originals: s3('originals'), renditions: { ...s3('renditions'), prefix: 'cache/', maxBytes: 1_000_000 }, index: { driver: 'memory' } }),
  },
  {
    name: 's3 originals, filesystem renditions, sqlite index (dummy endpoint)',
    unbound: ['RenditionBudget', ...POSTGRES_ONLY],
    offline: false,
    config: (dataDir) => ({ dataDir, originals: s3('originals'), renditions: { driver: 'filesystem' }, index: { driver: 'sqlite' } }),
  },
];

function resolveEveryToken(container: Container, unbound: readonly TokenName[]): void {
  for (const name of ALL_TOKENS) {
    // Resolved by name, so the identifier's bound type does not matter here.
    const id: ServiceIdentifier<unknown> = TOKENS[name];
    if (unbound.includes(name)) {
      expect(container.isBound(id), `${name} is not bound`).to.equal(false);
      continue;
    }
    expect(container.isBound(id), `${name} is bound`).to.equal(true);
    const values = name === 'StartupTasks' ? container.getAll(id) : [container.get(id)];
    for (const value of values) expect(value, name).to.not.equal(undefined);
    if (name !== 'StartupTasks') expect(container.get(id), `${name} is a singleton`).to.equal(values[0]);
  }
}

async function runStartupTasks(container: Container): Promise<number> {
  if (!container.isBound(TOKENS.StartupTasks)) return 0;
  const tasks = container.getAll(TOKENS.StartupTasks);
  for (const task of tasks) await task.run();
  return tasks.length;
}

/** Issue a token, upload, render a miss, store it, hit it: the wiring carries a request end to end. */
async function roundTrip(container: Container): Promise<void> {
  const id = uniqueId('smoke');
  const bytes = await gradientJpeg(24, 16);
  const { token } = await container.get(TOKENS.IssueToken).execute({ id });
  await container.get(TOKENS.UploadOriginal).execute({ id, token, bytes });
  const config = container.get(TOKENS.Config);
  const getRendition = container.get(TOKENS.GetRendition);
  const request = ImageRequest.parse(`/${id}_12_8.png`, '', config.limits);
  if (request.kind !== 'valid') throw new Error('bad smoke request');
  const miss = await getRendition.execute({ request: request.request, accepts: new Set(), delivery: 'proxy' });
  expect(miss.kind).to.equal('rendered');
  await container.get(TOKENS.BackgroundTasks).drain();
  const hit = await getRendition.execute({ request: request.request, accepts: new Set(), delivery: 'proxy' });
  expect(hit.kind).to.equal('stream');
  if (hit.kind === 'stream') expect((await readAll(hit.object.body)).length).to.equal(hit.object.size);
  const readiness = await container.get(TOKENS.CheckReadiness).execute();
  expect(readiness, JSON.stringify(readiness)).to.deep.include({ ready: true });
}

describe('composition root: container smoke test per driver combination', () => {
  let dataDir: string;
  let container: Container | undefined;
  const logger = createLogger({ level: 'silent', serviceName: 'container-test', serviceVersion: '0.0.0' });
  const databaseUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  const schema = `lir_container_${randomBytes(6).toString('hex')}`;

  before(async () => {
    if (databaseUrl === undefined || databaseUrl === '') return;
    await withKnex({ driver: 'postgres', url: databaseUrl }, (knex) => knex.raw('create schema ??', [schema]));
    const scoped = new URL(databaseUrl);
    scoped.searchParams.set('options', `-c search_path=${schema}`);
    postgresUrl = scoped.toString();
  });

  after(async () => {
    if (postgresUrl === undefined || databaseUrl === undefined) return;
    await withKnex({ driver: 'postgres', url: databaseUrl }, (knex) => knex.raw('drop schema if exists ?? cascade', [schema]));
    postgresUrl = undefined;
  });

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'lir-container-'));
  });

  afterEach(async () => {
    await container?.unbindAllAsync();
    container = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const combination of COMBINATIONS) {
    it(combination.name, async function () {
      const overrides = combination.config(dataDir);
      if (overrides === undefined) {
        console.warn(`      skipping the postgres combination: set ${TEST_DATABASE_URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/test)`);
        this.skip();
      }
      const config = loadConfig({ configDir: path.join(dataDir, 'no-config-files'), env: {}, overrides: overrides as Record<string, unknown> });
      container = buildContainer(config, logger);

      resolveEveryToken(container, combination.unbound);
      const tasks = await runStartupTasks(container);
      // The index's migrations (and, with PostgreSQL, listening for its changes), the stale temp-file sweep of each
      // folder store, and the driver import of each bucket store.
      const stores = [config.originals, config.renditions];
      const folders = stores.filter((store) => store.driver === 'filesystem').length;
      const buckets = stores.filter((store) => store.driver === 's3' || store.driver === 'gcs').length;
      const indexTasks = { memory: 0, sqlite: 1, postgres: 2 }[config.index.driver];
      expect(tasks).to.equal(indexTasks + folders + buckets);
      expect(container.get(TOKENS.Config)).to.equal(config);
      if (combination.offline) await roundTrip(container);
      combination.check?.(dataDir);

      const knex = container.isBound(TOKENS.Knex) ? await container.get(TOKENS.Knex).loaded : undefined;
      await container.unbindAllAsync();
      container = undefined;
      // The knex pool was destroyed by its deactivation handler: the client no longer runs queries.
      if (knex !== undefined) await rejectionOf(knex.raw('select 1'));
    });
  }

  it('a start-up migration that has run once can run again (restart against an existing index)', async () => {
    const config = loadConfig({ configDir: dataDir, env: {}, overrides: { dataDir, index: { driver: 'sqlite' } } });
    for (let start = 0; start < 2; start += 1) {
      container = buildContainer(config, logger);
      expect(await runStartupTasks(container)).to.equal(3);
      expect((await container.get(TOKENS.CheckReadiness).execute()).ready).to.equal(true);
      await container.unbindAllAsync();
      container = undefined;
    }
  });

  it('two containers from one config share nothing', async () => {
    const config = loadConfig({ configDir: dataDir, env: {}, overrides: { originals: { driver: 'memory' }, renditions: { driver: 'memory' }, index: { driver: 'memory' } } });
    const first = buildContainer(config, logger);
    const second = buildContainer(config, logger);
    try {
      expect(first.get(TOKENS.OriginalStore)).to.not.equal(second.get(TOKENS.OriginalStore));
      expect(first.get(TOKENS.CacheIndex)).to.not.equal(second.get(TOKENS.CacheIndex));
      expect(first.get(TOKENS.GetRendition)).to.not.equal(second.get(TOKENS.GetRendition));
    } finally {
      await first.unbindAllAsync();
      await second.unbindAllAsync();
    }
  });
});
