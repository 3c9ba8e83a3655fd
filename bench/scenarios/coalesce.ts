import { setTimeout as sleep } from 'node:timers/promises';
import { renderCount } from '../lib/bench.js';
import { CORRECTNESS_SECTION } from '../lib/correctness.js';
import { yesNo, type Scenario } from '../lib/scenario.js';

const SCENARIO = '16 identical concurrent misses (3 rounds)';

export const scenario: Scenario = {
  id: 'coalesce',
  title: '16 identical concurrent misses render once (single flight), 3 rounds',
  async run(bench) {
    const { service, images, log } = bench;
    log('\n## 16 identical concurrent misses');
    const rounds: string[] = [];
    let allOne = true;
    for (let round = 0; round < 3; round++) {
      const urlPath = `/${images.photo.id}_${300 + round}_${300 + round}.webp`;
      const before = await renderCount(service.base);
      const responses = await Promise.all(Array.from({ length: 16 }, () => fetch(`${service.base}${urlPath}`)));
      const headers = await Promise.all(responses.map(async (r) => (await r.arrayBuffer(), `${r.status} ${r.headers.get('x-cache')}`)));
      await sleep(300);
      const after = await renderCount(service.base);
      const counts: Record<string, number> = {};
      for (const h of headers) counts[h] = (counts[h] ?? 0) + 1;
      const renders = before && after ? after.value - before.value : (counts['200 MISS'] ?? 0);
      if (renders !== 1) allOne = false;
      rounds.push(`${renders} (${before ? `${before.name} Δ` : 'X-Cache MISS count'}; ${JSON.stringify(counts)})`);
      log(`  round ${round + 1}: renders ${rounds.at(-1)}`);
    }
    const result = `renders per round: ${rounds.map((r) => r.split(' ')[0]).join(', ')}`;
    return {
      rows: [{ section: CORRECTNESS_SECTION, row: `| ${SCENARIO} | ${result} | exactly 1 render | ${yesNo(allOne)} |` }],
      checks: [`${SCENARIO}: ${rounds.join('; ')}.`],
    };
  },
};
