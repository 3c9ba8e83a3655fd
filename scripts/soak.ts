/**
 * Soak test (issues 5 and 10, not part of `npm test`): starts the real service on 127.0.0.1 as a child
 * process, drives a bounded mixed load — uploads, misses, hits, bad input — and reports requests, answers
 * by status, latency, errors, the service's peak resident memory and whether its process ever exited.
 *
 *   npm run soak -- [--requests 5000] [--concurrency 16] [--max-seconds 600]
 *   npm run soak -- --hostile [--phase-seconds 90] [--requests 5000] [--concurrency 16] [--attacks a,b]
 *
 * `--hostile` runs two phases of the same normal traffic on the same service: a baseline, then the same
 * again with the hostile mix of scripts/soak-hostile.ts alongside it, and compares the normal requests'
 * p99 latency between the two (target: at most 3× the baseline). The p99 is over every normal request,
 * whatever its answer; the headline also counts the normal requests that got no image (503, 504, none).
 * `--attacks` runs only some of the mix (truncatedMultipart, bombProbes, avifAtLimit, manyFrames,
 * junkParts, slowLoris; default all), to see which one costs the normal traffic its latency.
 *
 * Exits 1 when the service process exited during the run (it is restarted so that the run can go on, and
 * every exit is counted), when any answer was a 5xx other than 503/504 (overload and the render time limit
 * are answers, not failures), when a normal request failed at the network level, when a hostile request
 * got no answer within its time limit (a hang), or when the service did not stop cleanly on SIGTERM. The
 * p99 ratio is reported against its target but does not set the exit code: on a shared machine it is too
 * noisy to gate on.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { cpuSeconds, peakResidentBytes, resetPeakResident } from '../bench/lib/child-server.js';
import { startChildService, type ChildService } from '../test/support/child-service.js';
import { ATTACK_NAMES, HOSTILE_TIMEOUT_MS, loadAmmunition, runHostileMix, type HostileTarget } from './soak-hostile.js';
import { spread, Tally } from './soak-tally.js';
import { errorText, issueToken, NO_ANSWER, TokenRefused } from './soak-wire.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '16' },
    'max-seconds': { type: 'string', default: '600' },
    hostile: { type: 'boolean', default: false },
    'phase-seconds': { type: 'string', default: '90' },
    attacks: { type: 'string', default: ATTACK_NAMES.join(',') },
  },
});
const TOTAL = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const HOSTILE = args.hostile;
const ATTACKS = new Set(args.attacks.split(','));
const unknownAttacks = [...ATTACKS].filter((name) => !(ATTACK_NAMES as readonly string[]).includes(name));
if (unknownAttacks.length > 0) throw new Error(`unknown --attacks ${unknownAttacks.join(', ')}; known: ${ATTACK_NAMES.join(', ')}`);
const PHASE_MS = Number(HOSTILE ? args['phase-seconds'] : args['max-seconds']) * 1000;
const P99_RATIO_TARGET = 3;
/** Seconds watched after a phase's last answer (SPEC §6: no request's work goes on past a second after it). */
const AFTERMATH_SECONDS = 5;

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

type Child = Pick<ChildService, 'url' | 'pid' | 'exited' | 'stop'>;

function startService(dataDir: string): Promise<Child> {
  return startChildService({
    env: {
      DATA_DIR: dataDir,
      // The delivery default for a local folder without a public URL is streaming; keep it explicit.
      DELIVERY_MODE: 'proxy',
      UV_THREADPOOL_SIZE: String(os.availableParallelism() + 4),
    },
    // Thousands of access-log lines nobody reads; the service's own stderr goes straight to ours.
    keepLogs: false,
    stderr: 'inherit',
  });
}

/**
 * Keeps one service process running in the same data folder: an exit during the run is recorded and the
 * service started again (as a container platform would), so the run goes on and every crash is counted.
 */
class Supervisor {
  readonly exits: string[] = [];
  private stopping = false;
  private restarting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dataDir: string,
    private child: Child,
  ) {
    this.watch(child);
  }

  static async start(dataDir: string): Promise<Supervisor> {
    return new Supervisor(dataDir, await startService(dataDir));
  }

  get url(): string {
    return this.child.url;
  }

  get pid(): number {
    return this.child.pid;
  }

  async stop(): Promise<number | string> {
    this.stopping = true;
    await this.restarting;
    return this.child.stop();
  }

  private watch(child: Child): void {
    void child.exited.then((how) => {
      if (this.stopping) return;
      this.exits.push(`${new Date().toISOString()}: exited (${how})`);
      process.stderr.write(`soak: the service process exited (${how}); starting it again\n`);
      this.restarting = startService(this.dataDir).then(
        (next) => {
          this.child = next;
          this.watch(next);
        },
        (error: unknown) => void this.exits.push(`restart failed: ${(error as Error).message}`),
      );
    });
  }
}

/** Peak resident memory over a phase, across restarts: the kernel's high-water mark, read often. */
class MemoryWatch {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly service: Supervisor) {}

  start(): void {
    resetPeakResident(this.service.pid);
    this.peak = 0;
    this.timer = setInterval(() => this.sample(), 250);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    try {
      // A process that has just exited has no VmHWM line any more (NaN).
      const peak = peakResidentBytes(this.service.pid);
      if (Number.isFinite(peak)) this.peak = Math.max(this.peak, peak);
    } catch {
      // The process is gone (it exited between two samples); the supervisor records that.
    }
  }
}

/** NaN while the service does not answer (it is being restarted after an exit, which the run reports). */
async function residentBytes(base: string): Promise<number> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('lir_process_resident_memory_bytes '));
    return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
  } catch {
    return Number.NaN;
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** The normal traffic: uploads, misses, hits and bad input as a site's visitors and back end send them. */
class NormalTraffic {
  readonly ids: string[] = [];
  readonly seen: string[] = [];

  constructor(
    private readonly service: Supervisor,
    private readonly images: readonly Buffer[],
  ) {}

  /** First renders load codecs and the JIT settles before anything is measured. */
  async warmUp(): Promise<void> {
    for (let n = 0; n < 4; n++) await this.upload();
    for (const format of FORMATS) await this.get(`/${this.ids[0]}_200_200.${format}`);
  }

  async one(tally: Tally): Promise<void> {
    let kind = chooseKind();
    if (this.ids.length === 0) kind = 'upload';
    if (kind === 'hit' && this.seen.length === 0) kind = 'miss';
    const started = performance.now();
    let answer: string;
    try {
      answer = String(await this.request(kind));
    } catch (error) {
      answer = error instanceof TokenRefused ? error.status : `failed on ${kind} (${errorText(error)})`;
    }
    tally.add(kind, answer, performance.now() - started);
  }

  private async request(kind: Kind): Promise<number | typeof CLOSED_EARLY> {
    if (kind === 'upload') return this.upload();
    if (kind === 'bad') return this.bad();
    if (kind === 'hit') return this.get(pick(this.seen));
    const url = `/${pick(this.ids)}_${50 + Math.floor(Math.random() * 600)}_${Math.floor(Math.random() * 600)}.${pick(FORMATS)}?fit=${pick(FITS)}`;
    const status = await this.get(url);
    if (status === 200) this.seen.push(url);
    return status;
  }

  async upload(): Promise<number> {
    const id = `soak_${this.ids.length}_${Math.random().toString(36).slice(2, 8)}`;
    const status = await this.postImage(id, pick(this.images), 'image');
    if (status === 201) this.ids.push(id);
    return status;
  }

  private async postImage(id: string, bytes: Buffer, filename: string, token?: string): Promise<number> {
    const form = new FormData();
    form.set('image', new Blob([bytes]), filename);
    const headers = { 'X-Token': token ?? (await issueToken(this.service.url, id)) };
    const response = await fetch(`${this.service.url}/${id}`, { method: 'POST', headers, body: form });
    await response.arrayBuffer();
    return response.status;
  }

  private async get(url: string): Promise<number> {
    const response = await fetch(`${this.service.url}${url}`);
    await response.arrayBuffer();
    return response.status;
  }

  private async bad(): Promise<number | typeof CLOSED_EARLY> {
    switch (Math.floor(Math.random() * 5)) {
      case 0:
        return this.get(`/${pick(this.ids)}_${Math.floor(Math.random() * 99999)}_x.${pick(['bmp', 'jpg', 'svg'])}?fit=${pick(['nope', 'crop'])}&quality=${Math.floor(Math.random() * 300)}`);
      case 1:
        return this.get(`/missing_${Math.random().toString(36).slice(2)}_100_100.jpg`);
      case 2:
        return this.get(`/..%2F..%2Fetc%2Fpasswd_10_10.png`);
      case 3:
        try {
          return await this.postImage('junk_upload', Buffer.from('definitely not an image'), 'x.jpg', 'made-up-token');
        } catch {
          // The service answers 403 and closes the connection before reading the body of an upload
          // without a valid token; a client still writing that body may see the close, not the 403.
          return CLOSED_EARLY;
        }
      default:
        return this.postImage(`junk_${Math.random().toString(36).slice(2, 8)}`, Buffer.from('GIF89a but not really'), 'x.gif');
    }
  }
}

interface Phase {
  readonly name: string;
  readonly normal: Tally;
  readonly hostile: Tally;
  readonly seconds: number;
  readonly rss: { readonly start: number; readonly end: number; readonly peak: number };
  /** Cores the service kept busy in each second after the phase's last answer: work nobody waits for any more. */
  readonly coresAfterLastAnswer: readonly number[];
}

async function runPhase(
  name: string,
  service: Supervisor,
  traffic: NormalTraffic,
  attack?: (tally: Tally, stop: AbortSignal) => Promise<void>,
): Promise<Phase> {
  const normal = new Tally();
  const hostile = new Tally();
  const memory = new MemoryWatch(service);
  const stop = new AbortController();
  setMaxListeners(1000, stop.signal);
  const deadline = setTimeout(() => stop.abort(), PHASE_MS);
  const rssStart = await residentBytes(service.url);
  memory.start();
  const started = Date.now();
  const attacking = attack?.(hostile, stop.signal);
  let issued = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < TOTAL && !stop.signal.aborted) {
        issued += 1;
        await traffic.one(normal);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  // The attack ends with the normal traffic, so that every normal request it is compared on ran during it.
  stop.abort();
  clearTimeout(deadline);
  await attacking;
  const rss = { start: rssStart, peak: memory.stop(), end: await residentBytes(service.url) };
  const coresAfterLastAnswer = await coresBusy(service, AFTERMATH_SECONDS);
  return { name, normal, hostile, seconds, rss, coresAfterLastAnswer };
}

async function coresBusy(service: Supervisor, seconds: number): Promise<number[]> {
  // NaN when the process is gone (an exit, which the run reports) or was replaced meanwhile.
  const cpu = (pid: number): number => {
    try {
      return pid === service.pid ? cpuSeconds(pid) : Number.NaN;
    } catch {
      return Number.NaN;
    }
  };
  const pid = service.pid;
  const busy: number[] = [];
  let before = cpu(pid);
  for (let n = 0; n < seconds; n++) {
    await sleep(1_000);
    const now = cpu(pid);
    busy.push(Number((now - before).toFixed(2)));
    before = now;
  }
  return busy;
}

/** A 5xx other than overload (503) and the render time limit (504): the service failed, not the request. */
const isServerError = (answer: string): boolean => /^5\d\d$/.test(answer) && answer !== '503' && answer !== '504';

function serverErrors(phase: Phase): number {
  return [...phase.normal.answers(), ...phase.hostile.answers()].reduce((n, [answer, count]) => n + (isServerError(answer) ? count : 0), 0);
}

/** Normal requests answered 503/504, or not answered at all (a bad upload refused unread is answered). */
function notServed(phase: Phase): number {
  const unserved = (answer: string): boolean => answer === '503' || answer === '504' || (!/^\d+$/.test(answer) && answer !== CLOSED_EARLY);
  return phase.normal.answers().reduce((n, [answer, count]) => n + (unserved(answer) ? count : 0), 0);
}

/** Every answer that makes the run fail, with how often it came. */
function failuresOf(phase: Phase): Record<string, number> {
  const failures: Record<string, number> = {};
  const isFailure = (answer: string, hostile: boolean): boolean => {
    if (/^\d+$/.test(answer)) return isServerError(answer);
    return hostile ? answer === NO_ANSWER : answer !== CLOSED_EARLY;
  };
  for (const [tally, hostile] of [[phase.normal, false], [phase.hostile, true]] as const) {
    for (const [answer, n] of tally.answers()) if (isFailure(answer, hostile)) failures[`${hostile ? 'hostile' : 'normal'}: ${answer}`] = n;
  }
  return failures;
}

function describe(phase: Phase): Record<string, unknown> {
  const requests = phase.normal.count;
  return {
    seconds: Number(phase.seconds.toFixed(1)),
    normal: {
      requests,
      requestsPerSecond: Number((requests / phase.seconds).toFixed(1)),
      byStatus: Object.fromEntries(phase.normal.answers()),
      latencyMs: spread(phase.normal.latencies()),
      byKind: phase.normal.byKind(),
    },
    ...(phase.hostile.count > 0 ? { hostile: { requests: phase.hostile.count, byKind: phase.hostile.byKind() } } : {}),
    rss: { start: mib(phase.rss.start), end: mib(phase.rss.end), peak: mib(phase.rss.peak), growth: mib(phase.rss.end - phase.rss.start) },
    coresBusyPerSecondAfterLastAnswer: phase.coresAfterLastAnswer,
    failures: failuresOf(phase),
  };
}

function buildReport(phases: readonly Phase[], service: Supervisor, exit: number | string, traffic: NormalTraffic) {
  const [first, attack] = phases;
  const p99 = (phase: Phase | undefined): number => spread(phase?.normal.latencies() ?? []).p99;
  const ratio = attack === undefined ? undefined : p99(attack) / p99(first);
  const failed = phases.some((phase) => Object.keys(failuresOf(phase)).length > 0) || service.exits.length > 0 || exit !== 0;
  return {
    mode: HOSTILE ? 'hostile' : 'normal',
    headline: {
      restarts: service.exits.length,
      fiveHundredsOtherThan503And504: phases.reduce((n, phase) => n + serverErrors(phase), 0),
      rssPeak: mib(Math.max(...phases.map((phase) => phase.rss.peak))),
      normalP99Ms: Object.fromEntries(phases.map((phase) => [phase.name, p99(phase)])),
      // A fast 503 lowers the p99 while the visitor gets no image: read the two together.
      normalNotServed: Object.fromEntries(phases.map((phase) => [phase.name, notServed(phase)])),
      ...(ratio === undefined ? {} : { p99DuringAttackVsBaseline: { ratio: Number(ratio.toFixed(2)), target: `≤ ${P99_RATIO_TARGET}`, met: ratio <= P99_RATIO_TARGET } }),
    },
    settings: { ...(HOSTILE ? { attacks: [...ATTACKS] } : {}), concurrency: CONCURRENCY, requestsPerPhaseAtMost: TOTAL, phaseSecondsAtMost: PHASE_MS / 1000, hostileRequestTimeoutMs: HOSTILE_TIMEOUT_MS },
    phases: Object.fromEntries(phases.map((phase) => [phase.name, describe(phase)])),
    service: { restarts: service.exits.length, exits: service.exits, shutdown: exit === 0 ? 'SIGTERM → exit 0' : `SIGTERM → ${exit}` },
    originals: traffic.ids.length,
    distinctRenditionsRequested: new Set(traffic.seen).size,
    result: failed ? 'FAIL' : 'PASS',
  };
}

async function main(): Promise<void> {
  const loadAverageAtStart = os.loadavg()[0]!;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-soak-'));
  const images = await sourceImages();
  const ammo = HOSTILE ? await loadAmmunition(REPO_ROOT, images[0]!) : undefined;
  const service = await Supervisor.start(dataDir);
  const traffic = new NormalTraffic(service, images);
  const phases: Phase[] = [];
  let exit: number | string;
  try {
    await traffic.warmUp();
    const target: HostileTarget = { url: () => service.url, token: (id) => issueToken(service.url, id), photoId: () => traffic.ids[0]! };
    phases.push(await runPhase(HOSTILE ? 'baseline' : 'normal', service, traffic));
    if (ammo !== undefined) phases.push(await runPhase('attack', service, traffic, (tally, stop) => runHostileMix(target, ammo, tally, stop, ATTACKS)));
  } finally {
    exit = await service.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  // Other work on the machine shares its cores: say how busy it was.
  const machine = { cores: os.availableParallelism(), loadAverage1m: { start: loadAverageAtStart, end: os.loadavg()[0]! } };
  const report = { ...buildReport(phases, service, exit, traffic), machine };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.result === 'PASS' ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
