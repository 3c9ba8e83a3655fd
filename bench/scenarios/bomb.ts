import { fmt, uploadTo } from '../lib/bench.js';
import { CORRECTNESS_SECTION } from '../lib/correctness.js';
import { bombPng } from '../lib/images.js';
import { median } from '../lib/load.js';
import { yesNo, type Scenario } from '../lib/scenario.js';

/** Refused within this many milliseconds, client-side (token request excluded). */
const GOAL_MS = 50;

export const scenario: Scenario = {
  id: 'bomb',
  title: 'a 69-byte PNG declaring 65536×65536 is refused with 413, fast (median of 7)',
  async run(bench) {
    const { service, log } = bench;
    log('\n## decompression bomb upload');
    const bomb = bombPng(65536);
    const times: number[] = [];
    const statuses: number[] = [];
    for (let rep = 0; rep < 7; rep++) {
      // uploadTo's token request is outside the clock: the clock starts with the upload itself.
      const started = { at: 0 };
      const response = await uploadTo(service.base, `bomb${rep}`, bomb, () => (started.at = performance.now()));
      await response.arrayBuffer();
      times.push(performance.now() - started.at);
      statuses.push(response.status);
    }
    const ms = median(times);
    log(`  statuses ${statuses.join(',')}; median ${ms.toFixed(1)} ms; all ${times.map((t) => t.toFixed(1)).join(', ')}`);
    const scenarioName = `bomb upload (${bomb.length}-byte PNG declaring 65536×65536)`;
    const all413 = statuses.every((s) => s === 413);
    const result = `${all413 ? '413' : `statuses ${[...new Set(statuses)].join('/')}`} in ${fmt(ms)} ms (median of 7, client-side, token request excluded)`;
    return {
      rows: [{ section: CORRECTNESS_SECTION, row: `| ${scenarioName} | ${result} | 413 in < ${GOAL_MS} ms | ${yesNo(all413 && ms < GOAL_MS)} |` }],
      checks: [`${scenarioName}: ${times.map((t) => t.toFixed(1)).join(', ')}.`],
    };
  },
};
