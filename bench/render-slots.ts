/**
 * `npm run bench:slots`: how much of the machine renders get when at most one render per core runs at a time (SPEC
 * §6's default `render.concurrency`), without the service: raw sharp as in `npm run bench` (every request renders at
 * once), and the same render behind a gate of RENDER_SLOTS in the main thread, behind a gate of one per core in a
 * worker thread, and behind a gate of one more than the cores (ADR 0036, amendments of 2026-12-03). Cold WebP renders
 * of the bench photo (2725×2225 → about 512, each request a new width, nothing shared) at c = 8; the servers run in
 * turn, alternating order, and it reports per server the median requests per second, the share of a core the server
 * used (its CPU time over the run's wall time), and the share of the whole machine left idle (`/proc/stat`; the load
 * generator, in this process, uses some of the rest).
 *
 * Environment: SLOTS_BENCH_ROUNDS (default 3), SLOTS_BENCH_SECONDS (per run, default 8).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { COMMON_ENV, ROOT } from './lib/bench.js';
import { startReference, type ChildServer } from './lib/child-server.js';
import { load, median } from './lib/load.js';

const PHOTO = 'sharp--2569067123_aca715a2ee_o.jpg';
const SOURCE_DIR = path.resolve(ROOT, '../shared/corpus/valid');
const ROUNDS = Number(process.env.SLOTS_BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.SLOTS_BENCH_SECONDS ?? 8);
const CONNECTIONS = 8;
const cores = os.availableParallelism();

const LAYOUTS: ReadonlyArray<{ readonly label: string; readonly script: string; readonly env: Record<string, string> }> = [
  { label: 'raw sharp, every request at once', script: 'raw-sharp-server.ts', env: {} },
  { label: `${cores} slots (one per core)`, script: 'gated-sharp-server.ts', env: { RENDER_SLOTS: String(cores) } },
  { label: `${cores} slots in a worker thread`, script: 'gated-sharp-server.ts', env: { RENDER_SLOTS: String(cores), RENDER_IN_WORKER: '1' } },
  { label: `${cores + 1} slots`, script: 'gated-sharp-server.ts', env: { RENDER_SLOTS: String(cores + 1) } },
];

/** Idle and total jiffies of the whole machine so far. */
function machineTicks(): { idle: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { idle: fields[3]! + fields[4]!, total: fields.reduce((sum, value) => sum + value, 0) };
}

interface Run {
  readonly rps: number;
  /** The server's CPU over the run's wall time, in cores. */
  readonly cores: number;
  /** Share of the machine's CPU time that was idle. */
  readonly idle: number;
}

async function main(): Promise<void> {
  const servers: ChildServer[] = [];
  try {
    for (const layout of LAYOUTS) {
      servers.push(await startReference(layout.label, ['--import', 'tsx', path.join(ROOT, 'bench/servers', layout.script)], { ...COMMON_ENV, SOURCE_DIR, ...layout.env }));
    }
    let request = 0;
    const nextPath = (): string => `/${PHOTO}?w=${400 + (request++ % 200)}&h=4000&f=webp`;
    for (const server of servers) await load({ base: server.base, connections: CONNECTIONS, seconds: 1, path: nextPath });
    const runs = new Map<ChildServer, Run[]>(servers.map((server) => [server, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        const ticks = machineTicks();
        const started = performance.now();
        const cpu = server.cpuSeconds();
        const result = await load({ base: server.base, connections: CONNECTIONS, seconds: SECONDS, path: nextPath });
        const wall = (performance.now() - started) / 1000;
        const after = machineTicks();
        if (result.errors > 0 || Object.keys(result.statuses).some((status) => status !== '2xx')) throw new Error(`${server.name}: ${JSON.stringify(result.statuses)}`);
        const run = { rps: result.rps, cores: (server.cpuSeconds() - cpu) / wall, idle: (after.idle - ticks.idle) / (after.total - ticks.total) };
        runs.get(server)!.push(run);
        process.stdout.write(`  round ${round + 1} ${server.name.padEnd(34)} ${run.rps.toFixed(1).padStart(6)} req/s  ${(run.cores * 100).toFixed(0)} % of a core  machine idle ${(run.idle * 100).toFixed(1)} %\n`);
        await sleep(1000);
      }
    }
    process.stdout.write(`\nCold WebP → about 512 wide, c = ${CONNECTIONS}, ${cores} cores, medians of ${ROUNDS} runs of ${SECONDS} s:\n\n`);
    process.stdout.write('| server | req/s | server CPU (share of one core) | machine idle |\n|---|---|---|---|\n');
    for (const server of servers) {
      const list = runs.get(server)!;
      const m = (pick: (run: Run) => number): number => median(list.map(pick));
      process.stdout.write(`| ${server.name} | ${m((r) => r.rps).toFixed(1)} | ${(m((r) => r.cores) * 100).toFixed(0)} % | ${(m((r) => r.idle) * 100).toFixed(1)} % |\n`);
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
