/**
 * `npm run bench`: the production build of the service side by side with raw sharp, IPX and bare
 * node:http servers, all as child processes on 127.0.0.1, loaded by one autocannon client in this
 * process. Runs alternate between targets (A B C, then C B A, …), a few seconds each; every ratio is
 * taken within one repetition (runs seconds apart) and the report shows the median of those ratios.
 * The scenarios are the files of bench/scenarios/, run in the order of bench/scenarios.ts.
 *
 * Environment: BENCH_SECONDS (per run, default 5), BENCH_REPS (default 3), BENCH_ONLY (comma list of
 * scenario ids, see bench/scenarios.ts), BENCH_SERVICE_ENV ("K=V K=V" added to the service's environment),
 * BENCH_SERVICE_ENTRY (another build's main.js, to compare builds), BENCH_OUT (report file; default
 * docs/benchmarks.md for a full run, none for a partial one).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_AVIF_EFFORT } from '../src/domain/render-cost.js';
import { COMMON_ENV, QUALITY, ROOT, serviceEnvFrom, settingsFromEnv, START_NODE_ARGS, uploadFile, type Bench, type Format, type Target } from './lib/bench.js';
import { chartSvg } from './lib/chart.js';
import { startReference, startService, type ChildServer } from './lib/child-server.js';
import { prepareImages, type BenchImage } from './lib/images.js';
import { keptSoakSection, report } from './lib/report.js';
import type { Scenario, ScenarioOutput } from './lib/scenario.js';
import { SCENARIO_IDS } from './scenarios.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus');
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',') : undefined;
const OUT = process.env.BENCH_OUT ?? (ONLY ? undefined : path.join(ROOT, 'docs/benchmarks.md'));
/** The chart beside the report: docs/images/benchmarks.svg for docs/benchmarks.md, else `<report>.svg`. */
const CHART = OUT === undefined ? undefined : OUT === path.join(ROOT, 'docs/benchmarks.md') ? path.join(ROOT, 'docs/images/benchmarks.svg') : OUT.replace(/(\.md)?$/, '.svg');
const LOAD_AT_START = os.loadavg()[0]!.toFixed(2);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** The scenarios to run, loaded before any server starts so that a wrong BENCH_ONLY id fails at once. */
async function selectedScenarios(): Promise<Scenario[]> {
  const unknown = (ONLY ?? []).filter((id) => !SCENARIO_IDS.includes(id));
  if (unknown.length > 0) throw new Error(`BENCH_ONLY names no scenario: ${unknown.join(', ')} (known: ${SCENARIO_IDS.join(', ')})`);
  const ids = SCENARIO_IDS.filter((id) => ONLY === undefined || ONLY.includes(id));
  return Promise.all(
    ids.map(async (id) => {
      const { scenario } = (await import(`./scenarios/${id}.js`)) as { scenario?: Scenario };
      if (scenario?.id !== id) throw new Error(`bench/scenarios/${id}.ts must export \`scenario\` with id '${id}'`);
      return scenario;
    }),
  );
}

const extension = (format: Format): string => (format === 'jpeg' ? 'jpg' : format);

/** Uploads copies 1 … copies-1 of an image to the service, four at a time. */
async function uploadCopiesOf(service: ChildServer, image: BenchImage, sourceDir: string): Promise<void> {
  const started = Date.now();
  const ids = Array.from({ length: image.copies - 1 }, (_, i) => `${image.id}-${i + 1}`);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let id = ids.shift(); id !== undefined; id = ids.shift()) await uploadFile(service.base, id, path.join(sourceDir, image.file));
    }),
  );
  log(`  uploaded ${image.copies - 1} copies of ${image.id} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function startBench(work: string, servers: ChildServer[]): Promise<Bench> {
  const sourceDir = path.join(work, 'sources');
  mkdirSync(sourceDir);
  const images = await prepareImages(sourceDir, CORPUS);
  const serviceEntry = process.env.BENCH_SERVICE_ENTRY || path.join(ROOT, 'dist/src/infrastructure/main.js');
  const serviceEnv = serviceEnvFrom(process.env);
  const started = <T extends ChildServer>(server: T): T => (servers.push(server), server);
  const newService = async (name: string, env: Readonly<Record<string, string>> = {}): Promise<ChildServer> => {
    const dataDir = mkdtempSync(path.join(work, `${name}-data-`));
    return started(await startService(name, serviceEntry, { DATA_DIR: dataDir, ...serviceEnv, ...env }, START_NODE_ARGS));
  };
  const references = new Map<string, Promise<ChildServer>>();
  const reference = (name: string, script: string, env: Readonly<Record<string, string>> = {}): Promise<ChildServer> => {
    if (!references.has(name)) {
      references.set(name, startReference(name, ['--import', 'tsx', path.join(ROOT, 'bench/servers', script)], { ...COMMON_ENV, ...env }).then(started));
    }
    return references.get(name)!;
  };
  const service = await newService('service');
  const raw = await reference('raw', 'raw-sharp-server.ts', { SOURCE_DIR: sourceDir });
  const ipx = await reference('IPX', 'ipx-server.ts', { SOURCE_DIR: sourceDir });
  for (const image of Object.values(images)) await uploadFile(service.base, image.id, path.join(sourceDir, image.file));
  const copies = new Map<string, Promise<void>>();
  const uploadCopies = (image: BenchImage): Promise<void> => {
    if (!copies.has(image.id)) copies.set(image.id, uploadCopiesOf(service, image, sourceDir));
    return copies.get(image.id)!;
  };
  // All copies up front rather than right before a scenario: the uploads' garbage would otherwise count towards the
  // peak RSS that the big-image scenario measures from its start.
  for (const image of Object.values(images)) await uploadCopies(image);
  log(`service ${service.base} (pid ${service.pid}), raw sharp ${raw.base}, IPX ${ipx.base}; images in ${sourceDir}`);
  // Raw sharp encodes AVIF at the service's effort; IPX at sharp's default (4), as its users get it.
  const avifEffort = Number(serviceEnv.AVIF_EFFORT ?? DEFAULT_AVIF_EFFORT);
  const targets: Target[] = [
    { label: 'service', server: service, url: (img, w, h, f) => `/${img.id}_${w}_${h}.${extension(f)}` },
    { label: 'raw', server: raw, url: (img, w, h, f) => `/${img.file}?w=${w}&h=${h}&f=${f}&q=${QUALITY[f]}&effort=${avifEffort}` },
    { label: 'IPX', server: ipx, url: (img, w, h, f) => `/enlarge,s_${w}x${h},fit_inside,f_${f},q_${QUALITY[f]}/${img.file}` },
  ];
  const settings = settingsFromEnv(process.env);
  return { settings, work, sourceDir, images, service, targets, serviceEnv, startService: newService, reference, uploadCopies, shared: new Map(), log };
}

async function main(): Promise<void> {
  const started = Date.now();
  const scenarios = await selectedScenarios();
  const work = mkdtempSync(path.join(os.tmpdir(), 'lir-bench-'));
  const servers: ChildServer[] = [];
  try {
    const bench = await startBench(work, servers);
    const outputs: ScenarioOutput[] = [];
    for (const scenario of scenarios) outputs.push(await scenario.run(bench));
    const chartLink = OUT && CHART ? path.relative(path.dirname(OUT), CHART) : undefined;
    const preface = chartLink ? ['', `![Requests per second per scenario: service, raw sharp, IPX, bare server](${chartLink})`] : [];
    const markdown = report({ settings: bench.settings, serviceEnv: bench.serviceEnv, outputs, elapsedSeconds: (Date.now() - started) / 1000, loadAtStart: LOAD_AT_START, preface });
    log(`\n${markdown}`);
    if (OUT && CHART) {
      writeFileSync(OUT, `${markdown.trimEnd()}\n${keptSoakSection(OUT)}`);
      mkdirSync(path.dirname(CHART), { recursive: true });
      writeFileSync(CHART, chartSvg(outputs.flatMap((o) => o.chart ?? []), `npm run bench, ${new Date().toISOString().slice(0, 10)}: requests per second`));
      log(`written to ${path.relative(ROOT, OUT)} and ${path.relative(ROOT, CHART)}`);
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
