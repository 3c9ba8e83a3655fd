/**
 * What every scenario gets from the harness (bench/run-bench.ts): the run's settings, the bench images, the
 * service and the reference servers already started, and helpers to start more of them, upload and log.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ChildServer } from './child-server.js';
import type { BenchImage, BenchImages } from './images.js';
import { median, type LoadResult } from './load.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Settings {
  /** Seconds per measured run (BENCH_SECONDS, default 5). */
  readonly seconds: number;
  /** Repetitions of every measured run (BENCH_REPS, default 3). */
  readonly reps: number;
  /** Pause between runs, so that one run's tail does not spill into the next. */
  readonly pauseMs: number;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): Settings {
  return { seconds: Number(env.BENCH_SECONDS ?? 5), reps: Number(env.BENCH_REPS ?? 3), pauseMs: 1500 };
}

/**
 * Every server process gets the same allocator settings, those `npm start` gives the service: two glibc arenas
 * (docs/adr/0012-performance-levers.md) and a fixed mmap threshold (docs/adr/0038-allocator-settings-for-libvips.md).
 */
export const COMMON_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * The node flags `npm start` runs the production build with (package.json's start script), so that the bench
 * measures the service as it is started in production.
 */
export function startNodeArgs(startScript: string): string[] {
  const match = /\bnode((?: --\S+)*) dist\/src\/infrastructure\/main\.js\b/.exec(startScript);
  if (match === null) throw new Error(`the start script does not run node … dist/src/infrastructure/main.js: ${startScript}`);
  return match[1]!.split(' ').filter((flag) => flag !== '');
}

export const START_NODE_ARGS: readonly string[] = startNodeArgs(
  (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start,
);

/** The service's environment beyond PORT/HOST/DATA_DIR/LOG_LEVEL; the thread pool as `npm start` sizes it; BENCH_SERVICE_ENV on top. */
export function serviceEnvFrom(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> {
  return {
    ...COMMON_ENV,
    UV_THREADPOOL_SIZE: String(os.availableParallelism() + 4),
    PUBLIC_BASE_URL: 'http://cdn.example.invalid/renditions/',
    ...Object.fromEntries(
      (env.BENCH_SERVICE_ENV ?? '')
        .split(/\s+/)
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  };
}

export type Format = 'jpeg' | 'webp' | 'avif';

/** Quality every target encodes with: the service's defaults (`render.quality`). */
export const QUALITY: Readonly<Record<Format, number>> = { jpeg: 80, webp: 80, avif: 50 };

/** One server under test, and how it spells "this image, fit inside this box, this format". */
export interface Target {
  /** `service`, `raw` and `IPX` are the standard three; a scenario may add others (e.g. the service in another format). */
  readonly label: string;
  readonly server: ChildServer;
  /** A format this target always renders, whatever the scenario's (a reference run beside the scenario's format). */
  readonly format?: Format;
  url(image: { id: string; file: string }, width: number, height: number, format: Format): string;
}

export interface Bench {
  readonly settings: Settings;
  /** A temporary folder for the whole run, removed at the end. */
  readonly work: string;
  /** The reference servers' folder of originals (every bench image is also uploaded to `service`). */
  readonly sourceDir: string;
  readonly images: BenchImages;
  /** The production build under test (SQLite index, filesystem stores), with every bench image uploaded. */
  readonly service: ChildServer;
  /** The service, raw sharp and IPX, each with its URL for "fit inside this box". */
  readonly targets: readonly Target[];
  /** The environment the service runs with (shown in the report's settings). */
  readonly serviceEnv: Readonly<Record<string, string>>;
  /** Another service process from the same build, with a fresh DATA_DIR and `env` on top of `serviceEnv`. */
  startService(name: string, env?: Readonly<Record<string, string>>): Promise<ChildServer>;
  /**
   * A reference server `bench/servers/<script>` under tsx with COMMON_ENV and `env`, started once per name
   * and shared by the scenarios that ask for the same name; stopped at the end of the run.
   */
  reference(name: string, script: string, env?: Readonly<Record<string, string>>): Promise<ChildServer>;
  /** Uploads the copies of an image the service has not had yet (`id-1` …, see BenchImage.copies); once per image. */
  uploadCopies(image: BenchImage): Promise<void>;
  /** State scenarios share across the run (e.g. cold boxes already taken), by key. */
  readonly shared: Map<string, unknown>;
  log(line: string): void;
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

/** Issues an upload token for `id` and uploads `bytes` as the original; `beforeUpload` runs between the two. */
export async function uploadTo(base: string, id: string, bytes: Uint8Array, beforeUpload?: () => void): Promise<Response> {
  const issued = await json(
    await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) }),
  );
  const form = new FormData();
  form.set('image', new Blob([bytes]), `${id}.bin`);
  beforeUpload?.();
  return fetch(`${base}/${id}`, { method: 'POST', headers: { 'X-Token': String(issued.token) }, body: form });
}

/** Uploads a file of the sources folder to a service, failing the run unless it is stored. */
export async function uploadFile(base: string, id: string, file: string): Promise<void> {
  const response = await uploadTo(base, id, readFileSync(file));
  if (response.status !== 201) throw new Error(`upload ${id}: ${response.status} ${await response.text()}`);
}

/** Requests `urlPath` until it answers `X-Cache: HIT` (the first request renders; the store is in the background). */
export async function waitForHit(base: string, urlPath: string): Promise<Response> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const response = await fetch(`${base}${urlPath}`, { redirect: 'manual' });
    await response.arrayBuffer();
    if (response.headers.get('x-cache') === 'HIT') return response;
    await sleep(50);
  }
  throw new Error(`${urlPath} never became a cache hit`);
}

/** The service's render counter from `GET /metrics`, when the endpoint exists and has one. */
export async function renderCount(base: string): Promise<{ name: string; value: number } | undefined> {
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

export const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** A report cell: median req/s (median p50/p99 ms; median server CPU ms per response). */
export function loadCell(results: readonly LoadResult[], rpsDigits: number, cpuDigits: number): string {
  const m = (pick: (r: LoadResult) => number): number => median(results.map(pick));
  return `${fmt(m((r) => r.rps), rpsDigits)} (${fmt(m((r) => r.p50), 0)}/${fmt(m((r) => r.p99), 0)}; ${fmt(m((r) => r.cpuMsPerResponse), cpuDigits)})`;
}
