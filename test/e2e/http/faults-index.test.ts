import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import pg from 'pg';
import sharp from 'sharp';
import { expectUnavailable } from '../../support/json-error.js';
import { settle, startTestService, tokenFor, upload, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { TEST_DATABASE_URL_VARIABLE } from '../../support/sql-databases.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { uniqueId } from '../../support/unique-id.js';
import { photo } from './core-loop.suite.js';

async function readiness(base: string): Promise<{ status: number; body: { checks: Record<string, { ok: boolean }> } }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: Record<string, { ok: boolean }> } };
}

/** Polls `/readyz` until it answers 200; bounded, so a service that never recovers fails the test. */
async function untilReady(base: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if ((await readiness(base)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect.fail('the service did not become ready again after PostgreSQL came back');
}

/*
 * Issue 5 item 4: the service's PostgreSQL goes away (a TCP relay in front of it is stopped: open
 * connections cut, new ones refused) and comes back on the same address. The service is not restarted.
 */
describe('faults: the PostgreSQL index goes away and comes back', function () {
  this.timeout(60_000);
  const databaseUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  const schema = `lir_faults_${randomBytes(6).toString('hex')}`;
  let admin: pg.Client | undefined;
  let proxy: TcpProxy;
  let service: TestService;
  let base: string;

  before(async function () {
    if (databaseUrl === undefined || databaseUrl === '') {
      console.warn(`    skipped: set ${TEST_DATABASE_URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/test) to take PostgreSQL away under the service`);
      this.skip();
    }
    admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const real = new URL(databaseUrl);
    proxy = await startTcpProxy(Number(real.port || 5432), real.hostname);
    const viaProxy = new URL(databaseUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    viaProxy.searchParams.set('options', `-c search_path=${schema}`);
    service = await startTestService({ index: { driver: 'postgres', url: viaProxy.toString() } });
    base = service.url;
  });

  after(async () => {
    await proxy?.start();
    await service?.close();
    await proxy?.stop();
    await admin?.query(`drop schema if exists ${schema} cascade`);
    await admin?.end();
  });

  it('answers known renditions, 503 JSON for the rest and fails /readyz while it is gone, then recovers by itself', async () => {
    const id = uniqueId('fault_');
    await uploadOriginal(base, id, await photo(800, 600));
    const cached = await fetch(`${base}/${id}_200_200.jpg`);
    expect(cached.headers.get('x-cache')).to.equal('MISS');
    await cached.arrayBuffer();
    await settle(service);
    const spareToken = await tokenFor(base, `${id}_later`);
    expect((await readiness(base)).status).to.equal(200);

    await proxy.stop();

    // SPEC §6: a rendition known in memory is still answered (stale-if-error); anything that needs the index is not.
    for (let round = 0; round < 3; round++) {
      const known = await fetch(`${base}/${id}_200_200.jpg`);
      expect([known.status, known.headers.get('x-cache')]).to.deep.equal([200, 'HIT']);
      expect((await sharp(Buffer.from(await known.arrayBuffer())).metadata()).width).to.equal(200);
      await expectUnavailable(await fetch(`${base}/${id}_300_300.webp`), 'INDEX_UNAVAILABLE');
    }
    await expectUnavailable(await fetch(`${base}/${uniqueId('never_')}_200_200.jpg`), 'INDEX_UNAVAILABLE');
    await expectUnavailable(
      await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `${id}_new` }) }),
      'INDEX_UNAVAILABLE',
    );
    await expectUnavailable(await upload(base, `${id}_later`, await photo(100, 100), spareToken), 'INDEX_UNAVAILABLE');
    const down = await readiness(base);
    expect(down.status).to.equal(503);
    expect(down.body.checks.index?.ok).to.equal(false);
    expect(down.body.checks.originals?.ok).to.equal(true);
    expect(down.body.checks.renditions?.ok).to.equal(true);
    expect(await fetch(`${base}/healthz`).then((response) => response.status)).to.equal(200);

    await proxy.start();
    await untilReady(base);

    const hit = await fetch(`${base}/${id}_200_200.jpg`);
    expect(hit.status).to.equal(200);
    expect(hit.headers.get('x-cache')).to.equal('HIT');
    await hit.arrayBuffer();
    const miss = await fetch(`${base}/${id}_300_300.webp`);
    expect(miss.status).to.equal(200);
    expect(miss.headers.get('x-cache')).to.equal('MISS');
    await miss.arrayBuffer();
    // The upload that failed during the outage did not use its token up.
    expect((await upload(base, `${id}_later`, await photo(100, 100), spareToken)).status).to.equal(201);
  });
});
