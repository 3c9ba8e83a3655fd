/**
 * Soak test (issue 5, not part of `npm test`): starts the real service on 127.0.0.1 as a child process,
 * drives a bounded mixed load — uploads, misses, hits, bad input — and reports requests, answers by
 * status, errors and the service's resident memory at start and end.
 *
 *   npm run soak -- [--requests 5000] [--concurrency 16] [--max-seconds 600]
 *
 * Exits 1 when any request failed at the network level or got a 5xx other than 503 (overload is an
 * answer, not a failure), or when the service did not stop cleanly on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    'max-seconds': { type: 'string', default: '600' },
  },
});
const TOTAL = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const MAX_MS = Number(args['max-seconds']) * 1000;

type Kind = 'upload' | 'miss' | 'hit' | 'bad';
const CLOSED_EARLY = 'refused before the body was read (connection closed)';
/** Mostly reads, as behind a CDN: hits dominate, misses are steady, uploads and junk are rarer. */
const MIX: ReadonlyArray<readonly [Kind, number]> = [
  ['upload', 0.05],
  ['miss', 0.3],
  ['hit', 0.5],
  ['bad', 0.15],
];
const FORMATS = ['jpg', 'png', 'webp', 'avif'] as const;
const FITS = ['clip', 'crop', 'canvas', 'cover'] as const;

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

function chooseKind(): Kind {
  let r = Math.random();
  for (const [kind, share] of MIX) {
    if (r < share) return kind;
    r -= share;
  }
  return 'hit';
}

async function sourceImages(): Promise<Buffer[]> {
  const base = (w: number, h: number, channels: 3 | 4) =>
    sharp({ create: { width: w, height: h, channels, background: { r: 180, g: 90, b: 40, alpha: 0.8 } } }).composite([
      { input: { create: { width: Math.round(w / 3), height: Math.round(h / 3), channels: 3, background: { r: 20, g: 120, b: 220 } } }, top: 10, left: 10 },
    ]);
  return Promise.all([
    base(1600, 1200, 3).jpeg({ quality: 85 }).toBuffer(),
    base(900, 1400, 4).png().toBuffer(),
    base(1200, 800, 3).webp().toBuffer(),
    base(640, 480, 3).jpeg().toBuffer(),
  ]);
}

interface Child {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<number | string>;
}

async function startService(dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/infrastructure/main.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      // The delivery default for a local folder without a public URL is streaming; keep it explicit.
      DELIVERY_MODE: 'proxy',
      UV_THREADPOOL_SIZE: String(os.availableParallelism() + 4),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { message?: string; url?: string };
          if (entry.message === 'listening' && entry.url) resolve(entry.url);
        } catch {
          process.stderr.write(`${line}\n`);
        }
      }
    });
    void exited.then((how) => reject(new Error(`the service exited (${how}) before listening`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function residentBytes(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('lir_process_resident_memory_bytes '));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-soak-'));
  const images = await sourceImages();
  const service = await startService(dataDir);
  const base = service.url;
  const ids: string[] = [];
  const seen: string[] = [];
  const byStatus = new Map<string, number>();
  const byKind = new Map<Kind, number>();
  const count = (key: string): void => void byStatus.set(key, (byStatus.get(key) ?? 0) + 1);

  async function uploadOne(): Promise<number> {
    const id = `soak_${ids.length}_${Math.random().toString(36).slice(2, 8)}`;
    const issued = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
    const { token } = (await issued.json()) as { token: string };
    const form = new FormData();
    form.set('image', new Blob([pick(images)]), 'image');
    const response = await fetch(`${base}/${id}`, { method: 'POST', headers: { 'X-Token': token }, body: form });
    await response.arrayBuffer();
    if (response.status === 201) ids.push(id);
    return response.status;
  }

  async function get(url: string): Promise<number> {
    const response = await fetch(`${base}${url}`);
    await response.arrayBuffer();
    return response.status;
  }

  async function bad(): Promise<number | typeof CLOSED_EARLY> {
    switch (Math.floor(Math.random() * 5)) {
      case 0:
        return get(`/${pick(ids)}_${Math.floor(Math.random() * 99999)}_x.${pick(['bmp', 'jpg', 'svg'])}?fit=${pick(['nope', 'crop'])}&quality=${Math.floor(Math.random() * 300)}`);
      case 1:
        return get(`/missing_${Math.random().toString(36).slice(2)}_100_100.jpg`);
      case 2:
        return get(`/..%2F..%2Fetc%2Fpasswd_10_10.png`);
      case 3: {
        const form = new FormData();
        form.set('image', new Blob([Buffer.from('definitely not an image')]), 'x.jpg');
        try {
          const response = await fetch(`${base}/junk_upload`, { method: 'POST', headers: { 'X-Token': 'made-up-token' }, body: form });
          await response.arrayBuffer();
          return response.status;
        } catch {
          // The service answers 403 and closes the connection before reading the body of an upload
          // without a valid token; a client still writing that body may see the close, not the 403.
          return CLOSED_EARLY;
        }
      }
      default: {
        const id = `junk_${Math.random().toString(36).slice(2, 8)}`;
        const issued = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
        const { token } = (await issued.json()) as { token: string };
        const form = new FormData();
        form.set('image', new Blob([Buffer.from('GIF89a but not really')]), 'x.gif');
        const response = await fetch(`${base}/${id}`, { method: 'POST', headers: { 'X-Token': token }, body: form });
        await response.arrayBuffer();
        return response.status;
      }
    }
  }

  async function one(): Promise<void> {
    let kind = chooseKind();
    if (ids.length < 4) kind = 'upload';
    if (kind === 'hit' && seen.length === 0) kind = 'miss';
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    try {
      let status: number | typeof CLOSED_EARLY;
      if (kind === 'upload') status = await uploadOne();
      else if (kind === 'bad') status = await bad();
      else if (kind === 'hit') status = await get(pick(seen));
      else {
        const url = `/${pick(ids)}_${50 + Math.floor(Math.random() * 600)}_${Math.floor(Math.random() * 600)}.${pick(FORMATS)}?fit=${pick(FITS)}`;
        status = await get(url);
        if (status === 200) seen.push(url);
      }
      count(String(status));
    } catch (error) {
      count(`network error on ${kind} (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`);
    }
  }

  // Warm up (first renders load codecs, JIT settles) before the starting RSS is taken.
  for (let n = 0; n < 4; n++) await uploadOne();
  for (const format of FORMATS) await get(`/${ids[0]}_200_200.${format}`);
  const rssStart = await residentBytes(base);
  let rssPeak = rssStart;
  const sampler = setInterval(() => {
    residentBytes(base).then(
      (rss) => (rssPeak = Math.max(rssPeak, rss)),
      () => undefined,
    );
  }, 1000);

  const started = Date.now();
  let issued = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < TOTAL && Date.now() - started < MAX_MS) {
        issued += 1;
        await one();
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  clearInterval(sampler);
  const rssEnd = await residentBytes(base);
  const exit = await service.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const statuses = [...byStatus].sort(([a], [b]) => a.localeCompare(b));
  const failures = statuses.filter(([status]) => status !== CLOSED_EARLY && (!/^\d+$/.test(status) || (Number(status) >= 500 && status !== '503')));
  const report = {
    requests: issued,
    seconds: Number(seconds.toFixed(1)),
    requestsPerSecond: Number((issued / seconds).toFixed(1)),
    mix: Object.fromEntries(byKind),
    byStatus: Object.fromEntries(statuses),
    errors: Object.fromEntries(failures),
    originals: ids.length,
    distinctRenditionsRequested: new Set(seen).size,
    rss: { start: mib(rssStart), end: mib(rssEnd), peak: mib(rssPeak), growth: mib(rssEnd - rssStart) },
    shutdown: exit === 0 ? 'SIGTERM → exit 0' : `SIGTERM → ${exit}`,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = failures.length > 0 || exit !== 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
