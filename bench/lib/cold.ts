/**
 * Cold renders: every target (service, raw sharp, IPX) gets the same sequence of fresh boxes, so every
 * request is a true miss; runs alternate in order each repetition; ratios service ÷ reference are taken
 * within a repetition.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { fmt, loadCell, type Bench, type Format, type Target } from './bench.js';
import type { BenchImage } from './images.js';
import { load, median, type LoadResult } from './load.js';
import { yesNo, type ScenarioOutput, type Section } from './scenario.js';

export const COLD_SECTION: Section = {
  heading: 'Cold renders (every request a new box: true misses)',
  columns: ['scenario', 'c', 'service req/s (p50/p99 ms; CPU ms/resp)', 'raw sharp', 'IPX', 'service ÷ raw sharp', 'service ÷ IPX', 'target', 'met'],
  after: [
    'Boxes come 16 widths (64 of the big image) of one original in a row, then the next copy of it, as responsive',
    'images ask for them: the service then shares one decode among the renders of an original (ADR 0037), which raw',
    'sharp and IPX do not. Rows marked "originals apart" ask each copy for one width at a time, going through all the',
    'copies (400 of the photo) before the next width, so that no decode can be shared. A run that has asked every copy for',
    'every width goes on 16 (64) pixels wider, so no request is ever a cache hit; a row where the service answered',
    'anything but a render is marked not met.',
  ],
};

export const PEAK_SECTION: Section = {
  heading: 'Peak memory',
  columns: ['scenario', 'c', 'service peak RSS', 'raw sharp peak RSS', 'IPX peak RSS'],
  after: [
    "Peak RSS is the kernel's high-water mark (`VmHWM` in /proc/<pid>/status), reset (`clear_refs` 5) before each run,",
    'highest over the repetitions; MB = 10⁶ bytes.',
  ],
};

export interface ColdRun {
  readonly scenario: string;
  readonly image: BenchImage;
  readonly format: Format;
  readonly connections: number;
  /** Output width: boxes are `boxBase`…`boxBase + 8` wide and never limited by their height. */
  readonly boxBase: number;
  /**
   * The target of the "met" column: throughput ratios to raw sharp and IPX, the service's peak RSS (then
   * measured), or a ratio to one of `extraTargets` (run alternating with the others).
   */
  readonly goal: { readonly raw: number; readonly ipx: number } | { readonly peakMB: number } | { readonly of: string; readonly ratio: number };
  /** Targets run beside service, raw sharp and IPX (e.g. the service rendering JPEG). */
  readonly extraTargets?: readonly Target[];
  /** One width of each copy at a time, through all copies, instead of 16 widths of one copy in a row. */
  readonly originalsApart?: boolean;
}

/** Output widths of a cold scenario's boxes: `boxBase` … `boxBase + WIDTHS - 1`, unless the image says otherwise. */
const WIDTHS = 16;

/**
 * Boxes that differ on every request and give (nearly) the same output: the height is never the limiting
 * side, so the output is the box's width, which only moves within 16 pixels (or the image's `widths`); after
 * that many requests the service gets the next copy of the original, since boxes with the same output share a
 * rendition. With `originalsApart`, every request goes to the next copy instead. Once every copy has had every
 * width, the widths move up by as many pixels, so that a fast run never comes back to a rendition already stored
 * (it would be a cache hit, not a render); each target gets the same sequence.
 */
export class Boxes {
  private next = 0;
  constructor(
    private readonly image: BenchImage,
    private readonly base: number,
    private readonly originalsApart = false,
  ) {}
  take(): { width: number; height: number; image: BenchImage } {
    const i = this.next++;
    const { copies, widths = WIDTHS } = this.image;
    // Apart: copy after copy, one width each, the next width once every copy has had one (distinct for widths × copies).
    const copy = this.originalsApart ? i % copies : Math.floor(i / widths) % copies;
    const round = Math.floor(i / (widths * copies));
    const width = this.base + widths * round + ((this.originalsApart ? Math.floor(i / copies) : i) % widths);
    const image = copy === 0 ? this.image : { ...this.image, id: `${this.image.id}-${copy}` };
    return { width, height: Math.max(this.base, 512) + (Math.floor(i / widths) % 3500), image };
  }
}

/** Output size of one request, to show that every target does the same work. */
async function outputOf(target: Target, urlPath: string): Promise<string> {
  const response = await fetch(`${target.server.base}${urlPath}`, { redirect: 'manual' });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return `${target.label}: HTTP ${response.status}`;
  const meta = await sharp(bytes).metadata();
  return `${target.label} ${meta.width}×${meta.height} ${meta.format}${meta.isProgressive ? ' progressive' : ''} ${(bytes.length / 1024).toFixed(1)} KiB`;
}

interface Measured {
  readonly results: Record<string, LoadResult[]>;
  readonly peaks: Record<string, number[]>;
  readonly ratios: Record<string, number[]>;
}

async function measure(bench: Bench, run: ColdRun, pathFor: (target: Target) => () => string, measurePeak: boolean): Promise<Measured> {
  const { settings, log } = bench;
  const targets = [...bench.targets, ...(run.extraTargets ?? [])];
  const results: Record<string, LoadResult[]> = Object.fromEntries(targets.map((t) => [t.label, []]));
  const peaks: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.label, []]));
  const ratios: Record<string, number[]> = {};
  for (let rep = 0; rep < settings.reps; rep++) {
    const order = rep % 2 === 0 ? targets : [...targets].reverse();
    const byTarget = new Map<string, LoadResult>();
    for (const target of order) {
      if (measurePeak) target.server.resetPeak();
      const result = await load({ base: target.server.base, connections: run.connections, seconds: settings.seconds, path: pathFor(target), inspect: true, cpuSeconds: target.server.cpuSeconds });
      if (measurePeak) peaks[target.label]!.push(target.server.memory().peakMiB);
      byTarget.set(target.label, result);
      results[target.label]!.push(result);
      log(
        `  rep ${rep + 1} ${target.label.padEnd(10)} ${result.rps.toFixed(1).padStart(7)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  cpu ${result.cpuMsPerResponse.toFixed(1)} ms/resp` +
          `  statuses ${JSON.stringify(result.statuses)} x-cache ${JSON.stringify(result.xCache)}` +
          (measurePeak ? `  peak RSS ${peaks[target.label]!.at(-1)!.toFixed(0)} MiB` : ''),
      );
      await sleep(settings.pauseMs);
    }
    const service = byTarget.get('service')!;
    for (const target of targets) {
      if (target.label !== 'service') (ratios[target.label] ??= []).push(service.rps / byTarget.get(target.label)!.rps);
    }
  }
  return { results, peaks, ratios };
}

/** Runs one cold scenario at one concurrency and returns its report row(s), check and chart bars. */
export async function coldRun(bench: Bench, run: ColdRun): Promise<ScenarioOutput> {
  const pathFor = (target: Target) => (): string => {
    const format = target.format ?? run.format;
    // Per server, not per label: two targets on one server must not request each other's renditions.
    const key = `cold-boxes/${target.server.name}/${run.image.id}/${format}/${run.boxBase}`;
    if (!bench.shared.has(key)) bench.shared.set(key, new Boxes(run.image, run.boxBase, run.originalsApart));
    const box = (bench.shared.get(key) as Boxes).take();
    return target.url(box.image, box.width, box.height, format);
  };
  await bench.uploadCopies(run.image);
  const targets = [...bench.targets, ...(run.extraTargets ?? [])];
  const outputs = await Promise.all(targets.map((t) => outputOf(t, pathFor(t)())));
  bench.log(`\n## ${run.scenario}, c=${run.connections}\n  outputs: ${outputs.join('; ')}`);
  for (const target of targets) await load({ base: target.server.base, connections: run.connections, seconds: 1, path: pathFor(target) });
  await sleep(bench.settings.pauseMs);
  const measurePeak = 'peakMB' in run.goal;
  const measured = await measure(bench, run, pathFor, measurePeak);
  // Every target the service answers (the service in another format too) must have rendered: a hit is not a cold render.
  const serviceRuns = targets.filter((t) => t.server === bench.service).flatMap((t) => measured.results[t.label]!);
  const misses = serviceRuns.reduce((sum, r) => sum + (r.xCache.MISS ?? 0), 0);
  const all = serviceRuns.reduce((sum, r) => sum + r.responses, 0);
  if (misses < all) bench.log(`  WARNING: ${all - misses} of ${all} service responses were not misses; the row is marked not met`);
  return {
    rows: rowsOf(run, measured, misses === all),
    checks: [`${run.scenario}, c=${run.connections}: ${misses}/${all} service responses X-Cache MISS; ${outputs.join('; ')}.`],
    chart: [
      {
        label: `${run.scenario}, c=${run.connections}`,
        series: {
          service: median(measured.results.service!.map((r) => r.rps)),
          'raw sharp': median(measured.results.raw!.map((r) => r.rps)),
          IPX: median(measured.results.IPX!.map((r) => r.rps)),
        },
      },
    ],
  };
}

/** `allMisses`: whether every service response was a render; when not, the row is not met, whatever its numbers. */
function rowsOf(run: ColdRun, measured: Measured, allMisses: boolean): ScenarioOutput['rows'] {
  const cell = (label: string): string => loadCell(measured.results[label] ?? [], 1, 0);
  const raw = median(measured.ratios.raw ?? []);
  const ipx = median(measured.ratios.IPX ?? []);
  const mb = (label: string): number => Math.max(...measured.peaks[label]!) * 1.048576;
  let target: string;
  let met: boolean;
  if ('peakMB' in run.goal) {
    target = `peak RSS ≤ ${run.goal.peakMB} MB`;
    met = mb('service') <= run.goal.peakMB;
  } else if ('of' in run.goal) {
    const ratio = median(measured.ratios[run.goal.of] ?? []);
    target = `≥ ${run.goal.ratio} × ${run.goal.of} (here ${fmt(ratio, 2)}; ${cell(run.goal.of)})`;
    met = ratio >= run.goal.ratio;
  } else {
    target = `≥ ${run.goal.raw} × raw, ≥ ${run.goal.ipx} × IPX`;
    met = raw >= run.goal.raw && ipx >= run.goal.ipx;
  }
  if (!allMisses) {
    target += ' (not every service response was a miss)';
    met = false;
  }
  const rows = [
    {
      section: COLD_SECTION,
      row: `| ${run.scenario} | ${run.connections} | ${cell('service')} | ${cell('raw')} | ${cell('IPX')} | ${fmt(raw, 2)} | ${fmt(ipx, 2)} | ${target} | ${yesNo(met)} |`,
    },
  ];
  if ('peakMB' in run.goal) {
    const peak = (label: string): string => `${fmt(mb(label), 0)} MB`;
    rows.push({ section: PEAK_SECTION, row: `| ${run.scenario} | ${run.connections} | ${peak('service')} | ${peak('raw')} | ${peak('IPX')} |` });
  }
  return rows;
}

/** One cold scenario at several concurrencies, one after the other, in one output. */
export async function coldRuns(bench: Bench, run: Omit<ColdRun, 'connections'>, concurrencies: readonly number[]): Promise<ScenarioOutput> {
  const outputs: ScenarioOutput[] = [];
  for (const connections of concurrencies) outputs.push(await coldRun(bench, { ...run, connections }));
  return joined(outputs);
}

/** Concatenates the outputs of several runs of one scenario (e.g. c = 2 and c = 8). */
export function joined(outputs: readonly ScenarioOutput[]): ScenarioOutput {
  return {
    rows: outputs.flatMap((o) => o.rows),
    checks: outputs.flatMap((o) => o.checks),
    chart: outputs.flatMap((o) => o.chart ?? []),
  };
}
