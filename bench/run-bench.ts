/**
 * `npm run bench`: the production build of the service side by side with raw sharp, IPX and bare
 * node:http servers, all as child processes on 127.0.0.1, loaded by one autocannon client in this
 * process. Runs alternate between targets (A B C, then C B A, …), a few seconds each; every ratio is
 * taken within one repetition (runs seconds apart) and the report shows the median of those ratios.
 *
 * Environment: BENCH_SECONDS (per run, default 5), BENCH_REPS (default 3), BENCH_ONLY (comma list of
 * scenario ids: cold-jpeg, cold-webp, exif, big, hits, signed-hits, coalesce, bomb), BENCH_SERVICE_ENV ("K=V K=V" added
 * to the service's environment), BENCH_SERVICE_ENTRY (another build's main.js, to compare builds), BENCH_OUT
 * (report file; default docs/benchmarks.md for a full run, none for a partial one).
 */
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startReference, startService, type ChildServer } from './lib/child-server.js';
import { bombPng, prepareImages, type BenchImage } from './lib/images.js';
import { load, median, type LoadResult } from './lib/load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(ROOT, '../shared/corpus');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const PAUSE_MS = 1500;
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const OUT = process.env.BENCH_OUT ?? (ONLY ? undefined : path.join(ROOT, 'docs/benchmarks.md'));
/** The report's last section comes from `npm run soak -- --hostile`, not from here: a new report keeps it. */
const SOAK_HEADING = '## Soak under attack';

function keptSoakSection(file: string): string {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = text.indexOf(`\n${SOAK_HEADING}`);
  return at < 0 ? '' : text.slice(at);
}

/** Every server process gets the same allocator setting (docs/adr/0012-performance-levers.md). */
const COMMON_ENV: Record<string, string> = { MALLOC_ARENA_MAX: '2' };
/** The service's environment beyond PORT/HOST/DATA_DIR/LOG_LEVEL; the thread pool as `npm start` sizes it. */
const SERVICE_ENV: Record<string, string> = {
  ...COMMON_ENV,
  UV_THREADPOOL_SIZE: String(os.availableParallelism() + 4),
  PUBLIC_BASE_URL: 'http://cdn.example.invalid/renditions/',
  ...Object.fromEntries(
    (process.env.BENCH_SERVICE_ENV ?? '')
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  ),
};
const LOAD_AT_START = os.loadavg()[0]!.toFixed(2);
/** Any key: the signed service verifies with it, the harness signs with it (SPEC §8, as written, not the service's signer). */
const SIGNING_KEY = 'bench-url-signing-key-0123456789';
const wanted = (id: string): boolean => ONLY === undefined || ONLY.has(id);

type Format = 'jpeg' | 'webp';

/** One server under test, and how it spells "this image, fit inside this box, this format". */
interface Target {
  readonly label: string;
  readonly server: ChildServer;
  url(image: BenchImage, width: number, height: number, format: Format): string;
}

/**
 * Boxes that differ on every request but give (nearly) the same output: the height is never the
 * limiting side, so the output is `width` wide, and `width` only moves within 9 pixels.
 */
class Boxes {
  private next = 0;
  constructor(private readonly base: number) {}
  take(): { width: number; height: number } {
    const i = this.next++;
    return { width: this.base + (i % 9), height: Math.max(this.base, 512) + (Math.floor(i / 9) % 3500) };
  }
}

interface PairedRow {
  readonly scenario: string;
  readonly connections: number;
  readonly results: Record<string, LoadResult[]>;
  readonly ratios: Record<string, number[]>;
  readonly peakMiB?: Record<string, number[]>;
  readonly check: string;
}

const rows: PairedRow[] = [];
const notes: string[] = [];
const log = (line: string): void => void process.stdout.write(`${line}\n`);

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

async function uploadTo(base: string, id: string, bytes: Uint8Array): Promise<Response> {
  const issued = await json(
    await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) }),
  );
  const form = new FormData();
  form.set('image', new Blob([bytes]), `${id}.bin`);
  return fetch(`${base}/${id}`, { method: 'POST', headers: { 'X-Token': String(issued.token) }, body: form });
}

/** The service's render counter from `GET /metrics`, when the endpoint exists and has one. */
async function renderCount(base: string): Promise<{ name: string; value: number } | undefined> {
  const response = await fetch(`${base}/metrics`);
  if (response.status !== 200) return undefined;
  const text = await response.text();
  const counters = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*render[\w:]*_total)(\{[^}]*\})?\s+([0-9.e+]+)/.exec(line);
    if (match && !/coalesc|fail|error|reject/i.test(line)) counters.set(match[1]!, (counters.get(match[1]!) ?? 0) + Number(match[3]));
  }
  const [first] = counters;
  return first ? { name: first[0], value: first[1] } : undefined;
}

async function waitForHit(base: string, urlPath: string): Promise<Response> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${base}${urlPath}`, { redirect: 'manual' });
    await response.arrayBuffer();
    if (response.headers.get('x-cache') === 'HIT') return response;
    await sleep(50);
  }
  throw new Error(`${urlPath} never became a cache hit`);
}

/** Output size of one request, to show that every target does the same work. */
async function outputOf(target: Target, urlPath: string): Promise<string> {
  const response = await fetch(`${target.server.base}${urlPath}`, { redirect: 'manual' });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return `${target.label}: HTTP ${response.status}`;
  const meta = await sharp(bytes).metadata();
  return `${target.label} ${meta.width}×${meta.height} ${meta.format}${meta.isProgressive ? ' progressive' : ''} ${(bytes.length / 1024).toFixed(1)} KiB`;
}

/**
 * Cold renders: every target gets the same sequence of fresh boxes; runs alternate in order each
 * repetition; ratios service/reference are taken within a repetition.
 */
async function coldScenario(
  scenario: string,
  targets: readonly Target[],
  image: BenchImage,
  format: Format,
  connections: number,
  boxBase: number,
  measurePeak: boolean,
  boxes: Map<string, Boxes>,
): Promise<void> {
  const boxesOf = (target: Target): Boxes => {
    const key = `${target.label}/${image.id}/${format}/${boxBase}`;
    if (!boxes.has(key)) boxes.set(key, new Boxes(boxBase));
    return boxes.get(key)!;
  };
  const pathFor = (target: Target) => (): string => {
    const box = boxesOf(target).take();
    return target.url(image, box.width, box.height, format);
  };
  const outputs = await Promise.all(targets.map((t) => outputOf(t, pathFor(t)())));
  log(`\n## ${scenario}, c=${connections}\n  outputs: ${outputs.join('; ')}`);
  for (const target of targets) await load({ base: target.server.base, connections, seconds: 1, path: pathFor(target) });
  await sleep(PAUSE_MS);

  const results: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.label, []]));
  const peaks: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.label, []]));
  const ratios: Record<string, number[]> = {};
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? targets : [...targets].reverse();
    const byTarget = new Map<string, LoadResult>();
    for (const target of order) {
      if (measurePeak) target.server.resetPeak();
      const result = await load({ base: target.server.base, connections, seconds: SECONDS, path: pathFor(target), inspect: true, cpuSeconds: target.server.cpuSeconds });
      if (measurePeak) peaks[target.label]!.push(target.server.memory().peakMiB);
      byTarget.set(target.label, result);
      results[target.label]!.push(result);
      log(
        `  rep ${rep + 1} ${target.label.padEnd(10)} ${result.rps.toFixed(1).padStart(7)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  cpu ${result.cpuMsPerResponse.toFixed(1)} ms/resp` +
          `  statuses ${JSON.stringify(result.statuses)} x-cache ${JSON.stringify(result.xCache)}` +
          (measurePeak ? `  peak RSS ${peaks[target.label]!.at(-1)!.toFixed(0)} MiB` : ''),
      );
      await sleep(PAUSE_MS);
    }
    const service = byTarget.get('service')!;
    for (const target of targets) {
      if (target.label === 'service') continue;
      (ratios[target.label] ??= []).push(service.rps / byTarget.get(target.label)!.rps);
    }
  }
  const serviceResults = results.service!;
  const misses = serviceResults.reduce((sum, r) => sum + (r.xCache.MISS ?? 0), 0);
  const all = serviceResults.reduce((sum, r) => sum + r.responses, 0);
  rows.push({
    scenario,
    connections,
    results,
    ratios,
    ...(measurePeak ? { peakMiB: peaks } : {}),
    check: `${misses}/${all} service responses X-Cache MISS; ${outputs.join('; ')}`,
  });
}

interface HitRow {
  readonly scenario: string;
  readonly service: LoadResult[];
  readonly floor: LoadResult[];
  readonly ratios: number[];
  check: string;
}
const hitRows: HitRow[] = [];
/** Signed-URL hits against unsigned ones: `service` is the signed side, `floor` the unsigned, ratios are of CPU ms/resp. */
const signedRows: HitRow[] = [];

interface HitSide {
  readonly server: ChildServer;
  readonly path: string;
}

/**
 * Alternates runs of `subject` and `reference` (A B, B A, …) after a warm-up, each ratio taken within one
 * repetition: throughput (subject ÷ reference), or CPU ms per response (subject ÷ reference) with `byCpu`.
 */
async function hitScenario(scenario: string, subject: HitSide, reference: HitSide, expectStatus: number, byCpu = false): Promise<HitRow> {
  const connections = 16;
  const first = await waitForHit(subject.server.base, subject.path);
  log(`\n## ${scenario}, c=${connections}: ${subject.path} answers ${first.status} X-Cache ${first.headers.get('x-cache')}`);
  const pair = [
    { label: 'service', base: subject.server.base, path: subject.path, cpuSeconds: subject.server.cpuSeconds },
    { label: 'floor', base: reference.server.base, path: reference.path, cpuSeconds: reference.server.cpuSeconds },
  ];
  // Hits are cheap: a longer warm-up, so that the first measured run is not still compiling.
  for (const p of pair) await load({ base: p.base, connections, seconds: 3, path: p.path });
  const row: HitRow = { scenario, service: [], floor: [], ratios: [], check: '' };
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? pair : [...pair].reverse();
    const got: Record<string, LoadResult> = {};
    for (const p of order) {
      await sleep(PAUSE_MS);
      got[p.label] = await load({ base: p.base, connections, seconds: SECONDS, path: p.path, cpuSeconds: p.cpuSeconds });
      log(`  rep ${rep + 1} ${p.label.padEnd(8)} ${got[p.label]!.rps.toFixed(0).padStart(7)} req/s  p50 ${got[p.label]!.p50} ms  p99 ${got[p.label]!.p99} ms  cpu ${got[p.label]!.cpuMsPerResponse.toFixed(3)} ms/resp  ${JSON.stringify(got[p.label]!.statuses)}`);
    }
    row.service.push(got.service!);
    row.floor.push(got.floor!);
    row.ratios.push(byCpu ? got.service!.cpuMsPerResponse / got.floor!.cpuMsPerResponse : got.service!.rps / got.floor!.rps);
  }
  const wrong = [...row.service, ...row.floor].reduce((sum, r) => sum + r.responses - (r.statuses[`${Math.floor(expectStatus / 100)}xx`] ?? 0), 0);
  row.check = `service answered ${first.status} (X-Cache ${first.headers.get('x-cache')}), ${wrong} responses of another class`;
  return row;
}

/** The same stored rendition from two service processes, one with `URL_SIGNING_KEYS` (SPEC §8), by redirect. */
async function signedHitScenario(unsigned: ChildServer, signed: ChildServer, hitPath: string): Promise<void> {
  const signature = createHmac('sha256', SIGNING_KEY).update(hitPath).digest('base64url');
  await waitForHit(unsigned.base, hitPath);
  const row = await hitScenario('signed-URL hit vs unsigned hit, redirect delivery (303)', { server: signed, path: `${hitPath}?sig=${signature}` }, { server: unsigned, path: hitPath }, 303, true);
  signedRows.push(row);
}

const extraRows: Array<{ scenario: string; result: string; target: string; met: boolean | undefined; detail: string }> = [];

async function coalesceScenario(service: ChildServer, image: BenchImage): Promise<void> {
  log('\n## 16 identical concurrent misses');
  const rounds: string[] = [];
  let allOne = true;
  for (let round = 0; round < 3; round++) {
    const urlPath = `/${image.id}_${300 + round}_${300 + round}.webp`;
    const before = await renderCount(service.base);
    const responses = await Promise.all(Array.from({ length: 16 }, () => fetch(`${service.base}${urlPath}`)));
    const headers = await Promise.all(responses.map(async (r) => (await r.arrayBuffer(), `${r.status} ${r.headers.get('x-cache')}`)));
    await sleep(300);
    const after = await renderCount(service.base);
    const counts: Record<string, number> = {};
    for (const h of headers) counts[h] = (counts[h] ?? 0) + 1;
    const misses = counts['200 MISS'] ?? 0;
    const renders = before && after ? after.value - before.value : misses;
    if (renders !== 1) allOne = false;
    rounds.push(`${renders} (${before ? `${before.name} Δ` : 'X-Cache MISS count'}; ${JSON.stringify(counts)})`);
    log(`  round ${round + 1}: renders ${rounds.at(-1)}`);
  }
  extraRows.push({
    scenario: '16 identical concurrent misses (3 rounds)',
    result: `renders per round: ${rounds.map((r) => r.split(' ')[0]).join(', ')}`,
    target: 'exactly 1 render',
    met: allOne,
    detail: rounds.join('; '),
  });
}

async function bombScenario(service: ChildServer): Promise<void> {
  log('\n## decompression bomb upload');
  const bomb = bombPng(65536);
  const times: number[] = [];
  const statuses: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const id = `bomb${rep}`;
    const issued = await json(
      await fetch(`${service.base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) }),
    );
    const form = new FormData();
    form.set('image', new Blob([bomb]), 'bomb.png');
    const started = performance.now();
    const response = await fetch(`${service.base}/${id}`, { method: 'POST', headers: { 'X-Token': String(issued.token) }, body: form });
    await response.arrayBuffer();
    times.push(performance.now() - started);
    statuses.push(response.status);
  }
  const ms = median(times);
  log(`  statuses ${statuses.join(',')}; median ${ms.toFixed(1)} ms; all ${times.map((t) => t.toFixed(1)).join(', ')}`);
  extraRows.push({
    scenario: `bomb upload (${bomb.length}-byte PNG declaring 65536×65536)`,
    result: `${statuses.every((s) => s === 413) ? '413' : `statuses ${[...new Set(statuses)].join('/')}`} in ${ms.toFixed(1)} ms (median of 7, client-side, token request excluded)`,
    target: '413 in < 50 ms',
    met: statuses.every((s) => s === 413) && ms < 50,
    detail: times.map((t) => t.toFixed(1)).join(', '),
  });
}

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const ipxSharpPath = require.resolve('sharp', { paths: [path.dirname(require.resolve('ipx'))] });
  const ipxSharp = require(ipxSharpPath) as typeof sharp;
  const pkg = (name: string): string => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    Node: process.version,
    'sharp (service, raw)': `${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
    'sharp (IPX)': `${ipxSharp.versions.sharp} (libvips ${ipxSharp.versions.vips})`,
    IPX: pkg('ipx'),
    autocannon: pkg('autocannon'),
  };
}

function machine(): Record<string, string> {
  const cpus = os.cpus();
  return {
    CPU: `${cpus[0]?.model ?? 'unknown'} (${cpus.length} logical cores, os.availableParallelism() = ${os.availableParallelism()})`,
    Memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    OS: `${os.type()} ${os.release()} ${os.arch()}`,
    'Load average (1 min) at start / end': `${LOAD_AT_START} / ${os.loadavg()[0]!.toFixed(2)} (other work on the machine shares its cores)`,
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function report(elapsedSeconds: number): string {
  const lines: string[] = [];
  const targetsOf: Record<string, { raw?: number; ipx?: number; peak?: number }> = {
    'cold JPEG': { raw: 0.95, ipx: 1.2 },
    'cold WebP': { raw: 0.95, ipx: 1.2 },
    'big JPEG → 500': { peak: 200 },
  };
  lines.push('# Benchmarks', '');
  lines.push(
    `Generated by \`npm run bench\` (bench/run-bench.ts) on ${new Date().toISOString().slice(0, 10)}; the whole run took ${fmt(elapsedSeconds / 60)} min.`,
    'Every number is a median over repetitions; every ratio is the median of per-repetition ratios, each taken from',
    `runs seconds apart (targets alternate A B C, C B A, …). ${SECONDS} s per run, ${REPS} repetitions, ${PAUSE_MS / 1000} s pause between runs,`,
    '1 s warm-up per target before each scenario. Throughput counts completed responses per second; latency is autocannon\'s',
    '(p50/p99, ms). CPU ms/resp is the server process\'s user+system CPU time (all threads, from /proc/<pid>/stat) per',
    'response: it is far less disturbed by other load on the machine than throughput. Higher ratio = the service is faster.',
    '',
    '## Cold renders (every request a new box: true misses)',
    '',
    '| scenario | c | service req/s (p50/p99 ms; CPU ms/resp) | raw sharp | IPX | service ÷ raw sharp | service ÷ IPX | target | met |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const row of rows) {
    const cell = (label: string): string => {
      const results = row.results[label] ?? [];
      return `${fmt(median(results.map((r) => r.rps)))} (${fmt(median(results.map((r) => r.p50)), 0)}/${fmt(median(results.map((r) => r.p99)), 0)}; ${fmt(median(results.map((r) => r.cpuMsPerResponse)), 0)})`;
    };
    const raw = median(row.ratios.raw ?? []);
    const ipx = median(row.ratios.IPX ?? []);
    const goal = Object.entries(targetsOf).find(([prefix]) => row.scenario.startsWith(prefix))?.[1];
    let target = '—';
    let met = '—';
    if (goal?.raw !== undefined && goal.ipx !== undefined) {
      target = `≥ ${goal.raw} × raw, ≥ ${goal.ipx} × IPX`;
      met = raw >= goal.raw && ipx >= goal.ipx ? 'yes' : 'no';
    } else if (goal?.peak !== undefined && row.peakMiB) {
      const peak = Math.max(...row.peakMiB.service!);
      target = `peak RSS ≤ ${goal.peak} MB`;
      met = peak * 1.048576 <= goal.peak ? 'yes' : 'no';
    }
    lines.push(`| ${row.scenario} | ${row.connections} | ${cell('service')} | ${cell('raw')} | ${cell('IPX')} | ${fmt(raw, 2)} | ${fmt(ipx, 2)} | ${target} | ${met} |`);
  }
  const peakRows = rows.filter((r) => r.peakMiB);
  if (peakRows.length > 0) {
    lines.push('', '## Peak memory', '', '| scenario | c | service peak RSS | raw sharp peak RSS | IPX peak RSS |', '|---|---|---|---|---|');
    for (const row of peakRows) {
      const peak = (label: string): string => `${fmt(Math.max(...row.peakMiB![label]!) * 1.048576, 0)} MB`;
      lines.push(`| ${row.scenario} | ${row.connections} | ${peak('service')} | ${peak('raw')} | ${peak('IPX')} |`);
    }
    lines.push(
      '',
      'Peak RSS is the kernel\'s high-water mark (`VmHWM` in /proc/<pid>/status), reset (`clear_refs` 5) before each run,',
      'highest over the repetitions; MB = 10⁶ bytes.',
    );
  }
  lines.push('', '## Cache hits (one stored rendition requested over and over)', '');
  lines.push('| scenario | c | service req/s (p50/p99 ms; CPU ms/resp) | bare Node, same | service ÷ bare | target | met |', '|---|---|---|---|---|---|---|');
  for (const row of hitRows) {
    const ratio = median(row.ratios);
    lines.push(`| ${row.scenario} | 16 | ${hitCell(row.service)} | ${hitCell(row.floor)} | ${fmt(ratio, 2)} | ≥ 0.5 × bare | ${ratio >= 0.5 ? 'yes' : 'no'} |`);
  }
  if (signedRows.length > 0) {
    lines.push('', '## Signed URLs (SPEC §8)', '');
    lines.push('| scenario | c | signed req/s (p50/p99 ms; CPU ms/resp) | unsigned, same | signed ÷ unsigned CPU ms/resp | target | met |', '|---|---|---|---|---|---|---|');
    for (const row of signedRows) {
      const ratio = median(row.ratios);
      lines.push(`| ${row.scenario} | 16 | ${hitCell(row.service)} | ${hitCell(row.floor)} | ${fmt(ratio, 3)} | ≤ 1.05 | ${ratio <= 1.05 ? 'yes' : 'no'} |`);
    }
  }
  lines.push('', '## Correctness under load', '', '| scenario | result | target | met |', '|---|---|---|---|');
  for (const row of extraRows) lines.push(`| ${row.scenario} | ${row.result} | ${row.target} | ${row.met === undefined ? '—' : row.met ? 'yes' : 'no'} |`);

  lines.push('', '## Checks', '');
  for (const row of rows) lines.push(`* ${row.scenario}, c=${row.connections}: ${row.check}.`);
  for (const row of [...hitRows, ...signedRows]) lines.push(`* ${row.scenario}: ${row.check}.`);
  for (const row of extraRows) lines.push(`* ${row.scenario}: ${row.detail}.`);
  for (const note of notes) lines.push(`* ${note}`);

  lines.push('', '## Machine and versions', '');
  for (const [key, value] of Object.entries({ ...machine(), ...versions() })) lines.push(`* ${key}: ${value}`);
  lines.push('', '## Settings', '');
  lines.push(
    '* Service: `node dist/src/infrastructure/main.js` (production build), SQLite index and filesystem stores in a',
    `  temporary DATA_DIR, LOG_LEVEL=warn, HOST=127.0.0.1; extra environment: ${Object.entries(SERVICE_ENV).map(([k, v]) => `\`${k}=${v}\``).join(', ')}.`,
    '  Misses use `GET /{id}_{w}_{h}.{jpg|webp}` (fit clip, default quality 80); redirect hits a 303 to PUBLIC_BASE_URL;',
    '  proxy hits `?proxy=true` (bytes streamed from the filesystem cache).',
    '* raw sharp: bench/servers/raw-sharp-server.ts — bare node:http; per request `readFile` of the original,',
    '  `sharp(buf, { failOn: "error" }).autoOrient().resize(w, h, { fit: "inside" })`, JPEG q80 progressive (libjpeg-turbo,',
    '  no mozjpeg) or WebP q80, `toBuffer`, `res.end`. Same sharp build as the service, libvips cache off like the service.',
    '* IPX: bench/servers/ipx-server.ts — `createIPX` + `ipxFSStorage` + `createIPXNodeServer`, URL',
    '  `/enlarge,s_{w}x{h},fit_inside,f_{fmt},q_80/{file}` (`enlarge` only skips IPX\'s clamp to the source size, which would',
    '  otherwise shrink the box; no image is enlarged), sharp options `autoOrient: true, jpegProgressive: true` so that it does',
    '  the same work; IPX uses its own sharp (see versions).',
    '* Bare servers: bench/servers/constant-server.ts — 303 with a constant Location, or 200 with a constant body of the',
    '  cached rendition\'s size.',
    `* Every server process (references too) runs with ${Object.entries(COMMON_ENV).map(([k, v]) => `\`${k}=${v}\``).join(', ')}.`,
    '* All servers are separate Node processes; autocannon (1 process, pipelining 1) runs in the harness. The machine is',
    '  shared by client and server, so the client\'s CPU is part of every measurement, on both sides of each ratio.',
  );
  return `${lines.join('\n')}\n`;
}

function hitCell(results: LoadResult[]): string {
  return `${fmt(median(results.map((r) => r.rps)), 0)} (${fmt(median(results.map((r) => r.p50)), 0)}/${fmt(median(results.map((r) => r.p99)), 0)}; ${fmt(median(results.map((r) => r.cpuMsPerResponse)), 2)})`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(path.join(os.tmpdir(), 'lir-bench-'));
  const sourceDir = path.join(work, 'sources');
  const dataDir = path.join(work, 'data');
  const servers: ChildServer[] = [];
  try {
    mkdirSync(sourceDir);
    mkdirSync(dataDir);
    const images = await prepareImages(sourceDir, CORPUS);
    const tsx = ['--import', 'tsx'];
    const serviceEntry = process.env.BENCH_SERVICE_ENTRY || path.join(ROOT, 'dist/src/infrastructure/main.js');
    const service = await startService('service', serviceEntry, { DATA_DIR: dataDir, ...SERVICE_ENV });
    servers.push(service);
    const raw = await startReference('raw', [...tsx, path.join(ROOT, 'bench/servers/raw-sharp-server.ts')], { ...COMMON_ENV, SOURCE_DIR: sourceDir });
    servers.push(raw);
    const ipx = await startReference('IPX', [...tsx, path.join(ROOT, 'bench/servers/ipx-server.ts')], { ...COMMON_ENV, SOURCE_DIR: sourceDir });
    servers.push(ipx);

    for (const image of Object.values(images)) {
      const response = await uploadTo(service.base, image.id, readFileSync(path.join(sourceDir, image.file)));
      if (response.status !== 201) throw new Error(`upload ${image.id}: ${response.status} ${await response.text()}`);
    }
    log(`service ${service.base} (pid ${service.pid}), raw sharp ${raw.base}, IPX ${ipx.base}; images in ${sourceDir}`);

    const extension = (format: Format): string => (format === 'jpeg' ? 'jpg' : 'webp');
    const targets: Target[] = [
      { label: 'service', server: service, url: (img, w, h, f) => `/${img.id}_${w}_${h}.${extension(f)}` },
      { label: 'raw', server: raw, url: (img, w, h, f) => `/${img.file}?w=${w}&h=${h}&f=${f}` },
      { label: 'IPX', server: ipx, url: (img, w, h, f) => `/enlarge,s_${w}x${h},fit_inside,f_${f},q_80/${img.file}` },
    ];
    const boxes = new Map<string, Boxes>();
    for (const connections of [2, 8]) {
      if (wanted('cold-jpeg')) await coldScenario('cold JPEG 2725×2225 → fit 512', targets, images.photo, 'jpeg', connections, 512, false, boxes);
    }
    for (const connections of [2, 8]) {
      if (wanted('cold-webp')) await coldScenario('cold WebP 2725×2225 → fit 512', targets, images.photo, 'webp', connections, 512, false, boxes);
    }
    if (wanted('exif')) await coldScenario('cold JPEG 1800×1200 EXIF-rotated → fit 512', targets, images.exif, 'jpeg', 8, 512, false, boxes);
    if (wanted('big')) await coldScenario('big JPEG → 500 (7360×4912)', targets, images.big, 'jpeg', 4, 500, true, boxes);

    if (wanted('hits')) {
      const hitPath = `/${images.photo.id}_400_400.jpg`;
      const stored = await waitForHit(service.base, `${hitPath}?proxy=true`);
      const size = Number(stored.headers.get('content-length'));
      notes.push(`Proxy hits stream a ${size}-byte JPEG (${hitPath}); the bare 200 server sends a constant body of the same size.`);
      const redirect = await startReference('bare-303', [...tsx, path.join(ROOT, 'bench/servers/constant-server.ts')], { ...COMMON_ENV, MODE: 'redirect' });
      servers.push(redirect);
      const body = await startReference('bare-200', [...tsx, path.join(ROOT, 'bench/servers/constant-server.ts')], { ...COMMON_ENV, MODE: 'body', BODY_BYTES: String(size) });
      servers.push(body);
      hitRows.push(await hitScenario('cache hit, redirect delivery (303)', { server: service, path: hitPath }, { server: redirect, path: '/' }, 303));
      hitRows.push(await hitScenario('cache hit, proxy delivery (filesystem)', { server: service, path: `${hitPath}?proxy=true` }, { server: body, path: '/' }, 200));
    }
    if (wanted('signed-hits')) {
      const signedDir = path.join(work, 'signed-data');
      mkdirSync(signedDir);
      const signed = await startService('signed', serviceEntry, { DATA_DIR: signedDir, ...SERVICE_ENV, URL_SIGNING_KEYS: SIGNING_KEY });
      servers.push(signed);
      const hitPath = `/${images.photo.id}_400_400.jpg`;
      const response = await uploadTo(signed.base, images.photo.id, readFileSync(path.join(sourceDir, images.photo.file)));
      if (response.status !== 201) throw new Error(`upload ${images.photo.id} (signed service): ${response.status} ${await response.text()}`);
      await signedHitScenario(service, signed, hitPath);
    }
    if (wanted('coalesce')) await coalesceScenario(service, images.photo);
    if (wanted('bomb')) await bombScenario(service);

    const markdown = report((Date.now() - started) / 1000);
    log(`\n${markdown}`);
    if (OUT) {
      writeFileSync(OUT, `${markdown.trimEnd()}\n${keptSoakSection(OUT)}`);
      log(`written to ${path.relative(ROOT, OUT)}`);
    }
  } finally {
    for (const server of servers.reverse()) await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  if (error instanceof Error && error.cause) process.stderr.write(`cause: ${String(error.cause)}\n`);
  process.exit(1);
});
