import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, fmt } from '../lib/bench.js';
import { median } from '../lib/load.js';
import { yesNo, type Scenario, type Section } from '../lib/scenario.js';

/** Issue #16: importing the package costs at most this many times importing sharp and express. */
const GOAL_RATIO = 1.5;
const REPS = 9;

const SECTION: Section = {
  heading: 'Start-up: importing the package',
  columns: ['import', 'median ms', 'RSS after, MB', 'sharp + express, ms (same run)', 'ratio', 'target', 'met'],
  after: [
    'Each import runs in a fresh `node` process from the repository root (after `npm run build`), timed inside the',
    'process from the first `import()` to the last one settled, so Node start-up itself is not counted; the two',
    `kinds of process alternate, ${REPS} of each, and the medians are compared. \`live-image-resize\` resolves to`,
    '`dist/` through the package\'s own name. The import loads neither the server nor the drivers: the service',
    '(inversify, zod, sharp, express, pino, prom-client) is loaded by the first `createImageService`,',
    '`createApplication`, `parseConfig` or `loadConfig` call, and a driver\'s package (cloud SDKs, knex, pg) only',
    'when the configuration chooses it (ADR 0029). The second line times the import plus a first',
    '`createImageService()` with the default configuration (built, not started), which is what an app pays before',
    'it can serve; it has no target.',
  ],
};

/**
 * Milliseconds and resident MB of one fresh process that imports `specifiers` one after the other, then runs
 * `then` (JavaScript with the last module as `module`) inside the timing.
 */
function importOnce(specifiers: readonly string[], then = ''): { readonly ms: number; readonly rssMb: number } {
  const imports = specifiers.map((specifier) => `module = await import(${JSON.stringify(specifier)});`).join(' ');
  const source = `let module; const t = performance.now(); ${imports} ${then} const ms = performance.now() - t; console.log(JSON.stringify({ ms, rssMb: process.memoryUsage().rss / 1e6 }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(output) as { ms: number; rssMb: number };
}

export const scenario: Scenario = {
  id: 'import-time',
  title: "import('live-image-resize') against import('sharp') + import('express'), fresh processes side by side",
  async run(bench) {
    const { log } = bench;
    log('\n## import time');
    const runs = {
      package: [] as { ms: number; rssMb: number }[],
      reference: [] as { ms: number; rssMb: number }[],
      built: [] as { ms: number; rssMb: number }[],
    };
    // In a temporary folder: the default configuration's dataDir is ./data, and a service built there creates nothing until start().
    const buildService = `module.createImageService({ dataDir: ${JSON.stringify(path.join(tmpdir(), 'lir-import-time'))}, log: { level: 'silent' } });`;
    for (let rep = 0; rep < REPS; rep++) {
      runs.reference.push(importOnce(['sharp', 'express']));
      runs.package.push(importOnce(['live-image-resize']));
      runs.built.push(importOnce(['live-image-resize'], buildService));
    }
    const ms = median(runs.package.map((run) => run.ms));
    const referenceMs = median(runs.reference.map((run) => run.ms));
    const rss = median(runs.package.map((run) => run.rssMb));
    const referenceRss = median(runs.reference.map((run) => run.rssMb));
    const ratio = ms / referenceMs;
    const builtMs = median(runs.built.map((run) => run.ms));
    const builtRss = median(runs.built.map((run) => run.rssMb));
    log(`  live-image-resize ${fmt(ms)} ms (${fmt(rss, 0)} MB); sharp + express ${fmt(referenceMs)} ms (${fmt(referenceRss, 0)} MB); ${fmt(ratio, 2)}×`);
    log(`  live-image-resize + createImageService() ${fmt(builtMs)} ms (${fmt(builtRss, 0)} MB); ${fmt(builtMs / referenceMs, 2)}×`);
    return {
      rows: [
        {
          section: SECTION,
          row: `| \`live-image-resize\` (main entry) | ${fmt(ms, 0)} | ${fmt(rss, 0)} (sharp + express: ${fmt(referenceRss, 0)}) | ${fmt(referenceMs, 0)} | ${fmt(ratio, 2)}× | ≤ ${GOAL_RATIO}× | ${yesNo(ratio <= GOAL_RATIO)} |`,
        },
        {
          section: SECTION,
          row: `| \`live-image-resize\`, then a first \`createImageService()\` | ${fmt(builtMs, 0)} | ${fmt(builtRss, 0)} | ${fmt(referenceMs, 0)} | ${fmt(builtMs / referenceMs, 2)}× | none | – |`,
        },
      ],
      checks: [
        `import time, live-image-resize: ${runs.package.map((run) => fmt(run.ms, 0)).join(', ')} ms; sharp + express: ${runs.reference.map((run) => fmt(run.ms, 0)).join(', ')} ms; live-image-resize + createImageService(): ${runs.built.map((run) => fmt(run.ms, 0)).join(', ')} ms.`,
      ],
    };
  },
};
