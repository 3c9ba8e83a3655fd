import { fmt } from '../lib/bench.js';
import { bareServerLike, HIT_SECTION, hitCell, hitRun } from '../lib/hits.js';
import { median } from '../lib/load.js';
import { yesNo, type Scenario } from '../lib/scenario.js';

/** Issue 15: the info is answered from the index row (no decode, no store), in the hit-path class. */
const GOAL = 0.4;

export const scenario: Scenario = {
  id: 'info',
  title: 'GET /{id}.json (image info, SPEC §9) over and over at c = 16, vs a bare 200 server sending the same body',
  async run(bench) {
    const { service, images } = bench;
    const infoPath = `/${images.photo.id}.json`;
    const first = await fetch(`${service.base}${infoPath}`);
    if (first.status !== 200) throw new Error(`${infoPath} answered ${first.status}`);
    const { server: body, bytes: size } = await bareServerLike(bench, 'bare-200-info', await fetch(`${service.base}${infoPath}`));
    const row = await hitRun(bench, 'image info /{id}.json', { server: service, path: infoPath, indexOnly: true }, { server: body, path: '/' }, 200);
    const ratio = median(row.ratios);
    return {
      rows: [{ section: HIT_SECTION, row: `| ${row.scenario} | ${row.connections} | ${hitCell(row.service)} | ${hitCell(row.floor)} | ${fmt(ratio, 2)} | ≥ ${GOAL} × bare | ${yesNo(ratio >= GOAL)} |` }],
      checks: [row.check, `Info requests read ${infoPath} (${size} bytes of JSON); the bare 200 server sends the same status, headers and body.`],
      chart: [{ label: row.scenario, series: { service: median(row.service.map((r) => r.rps)), bare: median(row.floor.map((r) => r.rps)) } }],
    };
  },
};
