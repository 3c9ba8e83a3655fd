import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import knex from 'knex';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { startTestService, uploadOriginal } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

interface Answer {
  readonly status: number;
  readonly cache: string | undefined;
  readonly bytes: number;
}

/** A GET on a connection of its own (no keep-alive pool), resolved with the complete answer. */
function get(base: string, pathname: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: pathname, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cache: res.headers['x-cache'] as string | undefined, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function gauge(metrics: string, name: string): number {
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
}

/** Waits until every request of a burst is rendering, queued for rendering, or answered. */
async function untilAllReceived(base: string, total: number, answered: () => number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const metrics = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
    if (gauge(metrics, 'lir_render_queue_depth') + gauge(metrics, 'lir_renders_in_flight') + answered() >= total) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the service never held the whole burst');
}

describe('graceful shutdown (SIGTERM on the real process)', function () {
  this.timeout(90_000);
  let dataDir: string;
  let service: ChildService | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-shutdown-'));
  });
  afterEach(async () => {
    if (service !== undefined && service.process.exitCode === null && service.process.signalCode === null) await service.kill();
    service = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes in-flight requests and their background stores, then exits 0 with every rendition stored and indexed', async () => {
    // One render at a time, so most of the burst is still queued or rendering when SIGTERM arrives.
    service = await startChildService({ env: { DATA_DIR: dataDir, RENDER_CONCURRENCY: '1', RENDER_QUEUE_LIMIT: '64' } });
    const id = 'shutdown_burst';
    await uploadOriginal(service.url, id, await photo(1600, 1200));

    const widths = Array.from({ length: 12 }, (_, n) => 200 + n * 20);
    const burst = widths.map((width) => get(service!.url, `/${id}_${width}_0.webp`));
    let answered = 0;
    for (const request of burst) void request.then(() => (answered += 1), () => undefined);
    // SIGTERM once the service holds every request of the burst (rendering, queued or answered). A
    // connection still waiting to be read when the listener closes is reset by Node itself — which is
    // why deployments stop routing before they signal (the Kubernetes example's preStop pause).
    await Promise.race(burst);
    await untilAllReceived(service.url, widths.length, () => answered);
    const signalled = service.stop('SIGTERM');

    const answers = await Promise.all(burst);
    expect(answers.map((a) => a.status)).to.deep.equal(widths.map(() => 200));
    expect(answers.every((a) => a.cache === 'MISS' && a.bytes > 0)).to.equal(true);
    expect(await signalled, service.stderr()).to.equal(0);
    expect(service.logs.some((line) => line.message === 'stopped')).to.equal(true);

    const db = knex({ client: 'better-sqlite3', connection: { filename: path.join(dataDir, 'index.sqlite') }, useNullAsDefault: true });
    try {
      const rows: Array<{ key: string; width: number; bytes: number | string }> = await db('renditions').select('key', 'width', 'bytes').where({ original_id: id });
      expect(rows.map((row) => row.width).sort((a, b) => a - b)).to.deep.equal(widths);
      for (const row of rows) {
        const file = path.join(dataDir, 'renditions', row.key);
        expect(existsSync(file), `object for ${row.key}`).to.equal(true);
        expect(statSync(file).size).to.equal(Number(row.bytes));
      }
    } finally {
      await db.destroy();
    }
  });

  it('answers a connection that was opened before SIGTERM but sends its request just after', async () => {
    const inProcess = await startTestService();
    const { port } = new URL(inProcess.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const stopped = inProcess.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    await stopped;
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect(answer).to.match(/connection: close/i);
  });

  it('stops at once when idle, even with a keep-alive connection open', async () => {
    service = await startChildService({ env: { DATA_DIR: dataDir } });
    const response = await fetch(`${service.url}/healthz`);
    expect(response.status).to.equal(200);
    await response.arrayBuffer();
    const started = Date.now();
    expect(await service.stop('SIGTERM')).to.equal(0);
    // The default shutdown.timeoutMs is 25 s: an idle keep-alive socket must not make us wait for it.
    expect(Date.now() - started).to.be.below(10_000);
  });
});
