import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import sharp from 'sharp';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { uploadOriginal } from '../../support/service-harness.js';
import { TEST_DATABASE_URL_VARIABLE } from '../../support/sql-databases.js';

/*
 * Two service processes sharing one PostgreSQL schema and one data folder (SPEC §4 single flight, issue 5 item 3).
 *
 * What a request that waited for the other replica's render answers: once the lock is free it finds the index
 * row, so it streams the stored rendition and says `X-Cache: HIT` — the bytes did come from the cache. Requests
 * that waited in the same process for that one say `HIT` too (they share the flight). So across both replicas a
 * burst of identical misses shows exactly one `MISS`; the rest are `COALESCED` (shared the render in the
 * rendering process) or `HIT`.
 */

const BURST_PER_REPLICA = 8;

/** Busy pixels encode slowly, so the burst is certain to arrive at both replicas while the first render runs. */
async function noisyPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

interface Answer {
  readonly replica: string;
  readonly status: number;
  readonly cache: string | null;
  readonly etag: string | null;
  readonly bytes: Buffer;
}

async function get(replica: ChildService, name: string, path: string): Promise<Answer> {
  const response = await fetch(`${replica.url}${path}`);
  return {
    replica: name,
    status: response.status,
    cache: response.headers.get('x-cache'),
    etag: response.headers.get('etag'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

/** Identical requests fired at both replicas at once. */
async function burst(replicas: ReadonlyArray<readonly [string, ChildService]>, path: string): Promise<Answer[]> {
  return Promise.all(replicas.flatMap(([name, replica]) => Array.from({ length: BURST_PER_REPLICA }, () => get(replica, name, path))));
}

/** The cache outcomes in both replicas' access logs for `path`, once `expected` lines have arrived (they trail the responses). */
async function accessOutcomes(replicas: readonly ChildService[], path: string, expected: number): Promise<string[]> {
  const read = (): string[] =>
    replicas.flatMap((replica) =>
      replica.logs
        .filter((line) => line.message === `GET ${path.split('?')[0]} 200`)
        .map((line) => String((line.cache as { outcome?: unknown } | undefined)?.outcome)),
    );
  for (let tries = 0; read().length < expected && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
  return read();
}

interface Cluster {
  readonly a: ChildService;
  readonly b: ChildService;
  /** Advisory locks held now by either replica's sessions. */
  heldLocks(): Promise<number>;
  /** Removes rendition rows behind both replicas' backs, as an operator's SQL or another tool would. */
  deleteRenditionRows(originalId: string): Promise<number>;
  close(): Promise<void>;
}

/** A fresh schema, a shared data folder and two replicas on them; `application_name` tells their sessions apart. */
async function startCluster(databaseUrl: string, env: Record<string, string>): Promise<Cluster> {
  const schema = `lir_replicas_${randomBytes(6).toString('hex')}`;
  const applicationName = schema;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  url.searchParams.set('application_name', applicationName);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-replicas-'));
  const replicaEnv = { DATABASE_URL: url.toString(), DATA_DIR: dataDir, ORIGINALS_ROOT: path.join(dataDir, 'originals'), RENDITIONS_ROOT: path.join(dataDir, 'renditions'), ...env };
  const started = await Promise.allSettled([startChildService({ env: replicaEnv }), startChildService({ env: replicaEnv })]);
  const [a, b] = started.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  const close = async (): Promise<void> => {
    await Promise.all([a?.stop(), b?.stop()]);
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (a === undefined || b === undefined) {
    await close();
    throw (started.find((result) => result.status === 'rejected') as PromiseRejectedResult).reason;
  }
  return {
    a,
    b,
    heldLocks: async () => {
      const result = await admin.query<{ held: string }>(
        `select count(*) as held from pg_locks l join pg_stat_activity s on s.pid = l.pid
          where l.locktype = 'advisory' and l.granted and s.application_name = $1`,
        [applicationName],
      );
      return Number(result.rows[0]?.held ?? 0);
    },
    deleteRenditionRows: async (originalId) => (await admin.query(`delete from ${schema}.renditions where original_id = $1`, [originalId])).rowCount ?? 0,
    close,
  };
}

/** Polls `path` on `replica` until `done` holds for its answer; fails after `deadlineMs`. */
async function until(replica: ChildService, path: string, done: (response: Response) => boolean, deadlineMs: number, what: string): Promise<Response> {
  const started = Date.now();
  for (;;) {
    const response = await fetch(`${replica.url}${path}`, { redirect: 'manual' });
    await response.arrayBuffer();
    if (done(response)) return response;
    if (Date.now() - started > deadlineMs) expect.fail(`${what}: still ${response.status} ${response.headers.get('x-cache')} after ${deadlineMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('two replicas sharing PostgreSQL and the rendition folder', function () {
  this.timeout(120_000);
  const databaseUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  let photo: Buffer;

  before(async function () {
    if (databaseUrl === undefined || databaseUrl === '') {
      console.warn(`    skipped: set ${TEST_DATABASE_URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/test) to run two replicas on PostgreSQL`);
      this.skip();
    }
    photo = await noisyPhoto();
  });

  describe('with the rendition lock (a long wait)', () => {
    let cluster: Cluster;
    before(async () => {
      // Longer than any render here: a waiter that gets the lock got it because it was released or its holder died.
      cluster = await startCluster(databaseUrl as string, { RENDER_LOCK_WAIT_MS: '60000', RENDER_TIMEOUT_MS: '60000' });
    });
    after(async () => cluster?.close());

    it(`renders a burst of ${BURST_PER_REPLICA}+${BURST_PER_REPLICA} identical misses once across both replicas`, async () => {
      const id = `burst_${randomBytes(4).toString('hex')}`;
      await uploadOriginal(cluster.a.url, id, photo);
      const path = `/${id}_1800_1800.webp`;
      const answers = await burst([['a', cluster.a], ['b', cluster.b]], path);

      expect(answers.map((answer) => answer.status)).to.deep.equal(answers.map(() => 200));
      const misses = answers.filter((answer) => answer.cache === 'MISS');
      expect(misses, JSON.stringify(answers.map(({ replica, cache }) => `${replica}:${cache}`))).to.have.length(1);
      for (const answer of answers) expect(['MISS', 'COALESCED', 'HIT']).to.include(answer.cache);
      const renderer = misses[0]?.replica;
      // The other replica waited for the lock and then served the stored rendition.
      expect(answers.filter((answer) => answer.replica !== renderer).map((answer) => answer.cache)).to.deep.equal(
        Array.from({ length: BURST_PER_REPLICA }, () => 'HIT'),
      );
      // Every client got the same bytes, whichever way it was answered.
      expect(new Set(answers.map((answer) => answer.etag)).size).to.equal(1);
      for (const answer of answers) expect(answer.bytes.equals(misses[0]?.bytes ?? Buffer.alloc(0))).to.equal(true);
      // The access logs agree: one render in total.
      const outcomes = await accessOutcomes([cluster.a, cluster.b], path, 2 * BURST_PER_REPLICA);
      expect(outcomes).to.have.length(2 * BURST_PER_REPLICA);
      expect(outcomes.filter((outcome) => outcome === 'miss')).to.have.length(1);
      expect(await cluster.heldLocks(), 'locks left held after the store').to.equal(0);
    });

    it('falls back to rendering when the replica holding the lock dies (kill -9)', async () => {
      const id = `dying_${randomBytes(4).toString('hex')}`;
      await uploadOriginal(cluster.b.url, id, photo);
      // A large blur makes this render take a second or more, long enough to kill its replica in the middle.
      const path = `/${id}_2400_2400.webp?blur=100`;
      const doomed = get(cluster.a, 'a', path).catch((error: unknown) => error);
      for (let tries = 0; (await cluster.heldLocks()) === 0; tries++) {
        if (tries > 400) expect.fail('replica a never took the rendition lock');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const waiting = get(cluster.b, 'b', path);
      // Give b time to find the key locked and start polling before its holder dies.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await cluster.a.kill();
      const answer = await waiting;
      expect(await doomed).to.be.instanceOf(Error);
      expect(answer.status).to.equal(200);
      expect(answer.cache).to.equal('MISS');
      const meta = await sharp(answer.bytes).metadata();
      expect([meta.width, meta.height]).to.deep.equal([2400, 1600]);
      // A generous bound, far below the 60 s wait: b took the lock because a's session ended, not because it gave up.
      expect(Date.now() - started).to.be.lessThan(30_000);
      expect(cluster.b.logs.some((line) => String(line.message).includes('lock wait ran out'))).to.equal(false);
    });
  });

  describe('control: without waiting for the lock', () => {
    let cluster: Cluster;
    before(async () => {
      cluster = await startCluster(databaseUrl as string, { RENDER_LOCK_WAIT_MS: '0', RENDER_TIMEOUT_MS: '60000' });
    });
    after(async () => cluster?.close());

    it('both replicas render the same burst (the set-up above really overlaps the replicas)', async () => {
      const id = `control_${randomBytes(4).toString('hex')}`;
      await uploadOriginal(cluster.a.url, id, photo);
      const answers = await burst([['a', cluster.a], ['b', cluster.b]], `/${id}_1800_1800.webp`);
      expect(answers.map((answer) => answer.status)).to.deep.equal(answers.map(() => 200));
      const misses = answers.filter((answer) => answer.cache === 'MISS');
      expect(misses.map((answer) => answer.replica).sort()).to.deep.equal(['a', 'b']);
    });
  });

  describe('hits redirected from rows in memory (ADR 0024)', () => {
    let cluster: Cluster;
    before(async () => {
      // A long TTL: only the index's announcements (LISTEN/NOTIFY) can make a replica forget a row in time.
      cluster = await startCluster(databaseUrl as string, { PUBLIC_BASE_URL: 'http://cdn.example.invalid/r/', MEMORY_ROW_TTL_SECONDS: '3600' });
    });
    after(async () => cluster?.close());

    async function redirectedByBoth(id: string, path: string): Promise<void> {
      await uploadOriginal(cluster.a.url, id, await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a0a' } }).png().toBuffer());
      expect((await get(cluster.a, 'a', path)).cache).to.equal('MISS');
      for (const replica of [cluster.a, cluster.b]) await until(replica, path, (response) => response.status === 303, 10_000, 'stored rendition');
    }

    it('a DELETE on replica a: replica b stops redirecting within 1 s', async () => {
      const id = `deleted_${randomBytes(4).toString('hex')}`;
      const path = `/${id}_32_24.jpg`;
      await redirectedByBoth(id, path);
      const deleted = await fetch(`${cluster.a.url}/${id}`, { method: 'DELETE' });
      expect(deleted.status).to.equal(204);
      expect((await fetch(`${cluster.a.url}${path}`, { redirect: 'manual' })).status).to.equal(404);
      await until(cluster.b, path, (response) => response.status === 404, 1_000, 'replica b after the delete');
    });

    it('a focal point set on replica a: replica b answers it in /{id}.json within 1 s', async () => {
      const id = `focal_${randomBytes(4).toString('hex')}`;
      await redirectedByBoth(id, `/${id}_32_24.png`);
      const focalOf = async (response: Response): Promise<unknown> => ((await response.json()) as { focalPoint: unknown }).focalPoint;
      expect(await focalOf(await fetch(`${cluster.b.url}/${id}.json`))).to.equal(null);
      const set = await fetch(`${cluster.a.url}/${id}/focal`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ x: 0.25, y: 0.75 }) });
      expect(set.status).to.equal(200);
      // Far below the rows' TTL of an hour: the trigger's announcement of the UPDATE is what made b forget the row.
      const started = Date.now();
      let seen: unknown = null;
      while (seen === null && Date.now() - started < 1_000) seen = await focalOf(await fetch(`${cluster.b.url}/${id}.json`));
      expect(seen).to.deep.equal({ x: 0.25, y: 0.75 });
    });

    it('a rendition row removed by SQL: replica b stops redirecting and renders it again', async () => {
      const id = `purged_${randomBytes(4).toString('hex')}`;
      const path = `/${id}_32_24.webp`;
      await redirectedByBoth(id, path);
      expect(await cluster.deleteRenditionRows(id)).to.equal(1);
      // Far below the rows' TTL of an hour: the trigger's announcement is what made b forget the row.
      const again = await until(cluster.b, path, (response) => response.status !== 303, 5_000, 'replica b after the row went');
      expect([again.status, again.headers.get('x-cache')]).to.deep.equal([200, 'MISS']);
    });
  });
});
