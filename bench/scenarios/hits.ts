import { fmt, waitForHit } from '../lib/bench.js';
import { bareServerLike, HIT_SECTION, hitCell, hitRun, type HitRow } from '../lib/hits.js';
import { median } from '../lib/load.js';
import { yesNo, type Scenario, type ScenarioOutput } from '../lib/scenario.js';

/** The target of issue 14 for both deliveries: at least half the bare server's throughput. */
const GOAL = 0.5;

function output(rows: readonly HitRow[], note: string): ScenarioOutput {
  return {
    rows: rows.map((row) => {
      const ratio = median(row.ratios);
      return { section: HIT_SECTION, row: `| ${row.scenario} | ${row.connections} | ${hitCell(row.service)} | ${hitCell(row.floor)} | ${fmt(ratio, 2)} | ≥ ${GOAL} × bare | ${yesNo(ratio >= GOAL)} |` };
    }),
    checks: [...rows.map((row) => row.check), note],
    chart: rows.map((row) => ({ label: row.scenario, series: { service: median(row.service.map((r) => r.rps)), bare: median(row.floor.map((r) => r.rps)) } })),
  };
}

export const scenario: Scenario = {
  id: 'hits',
  title: 'one stored rendition requested over and over at c = 16, by redirect and by proxy, vs bare 303/200 servers',
  async run(bench) {
    const { service, images } = bench;
    const hitPath = `/${images.photo.id}_400_400.jpg`;
    await waitForHit(service.base, `${hitPath}?proxy=true`);
    await waitForHit(service.base, hitPath);
    const { server: redirect } = await bareServerLike(bench, 'bare-303', await fetch(`${service.base}${hitPath}`, { redirect: 'manual' }));
    const { server: body, bytes: size } = await bareServerLike(bench, 'bare-200', await fetch(`${service.base}${hitPath}?proxy=true`));
    const rows = [
      await hitRun(bench, 'cache hit, redirect delivery (303)', { server: service, path: hitPath }, { server: redirect, path: '/' }, 303),
      await hitRun(bench, 'cache hit, proxy delivery (filesystem)', { server: service, path: `${hitPath}?proxy=true` }, { server: body, path: '/' }, 200),
    ];
    return output(rows, `Proxy hits stream a ${size}-byte JPEG (${hitPath}); the bare servers send the same status, headers and body as the service.`);
  },
};
