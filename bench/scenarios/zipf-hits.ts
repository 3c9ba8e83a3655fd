import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { fmt, uploadTo } from '../lib/bench.js';
import { bareServerLike, HIT_SECTION, hitCell } from '../lib/hits.js';
import { load, median, type LoadResult } from '../lib/load.js';
import { yesNo, type Scenario } from '../lib/scenario.js';

/** Issue 14: hits spread over many stored renditions, as a real page mix is, at ≥ 0.4 × the bare 303 server. */
const GOAL = 0.4;
const SIDE = 100;
const DISTINCT = SIDE * SIDE;
const CONNECTIONS = 16;
/** Zipf's exponent: the most requested rendition is asked for about 10 % of the time, the rank-1000 one 0.01 %. */
const EXPONENT = 1;

/** Ranks 1…n drawn with probability ∝ 1/rank^s, by binary search over the cumulative weights. */
function zipfSampler(n: number, s: number, random: () => number): () => number {
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank++) cumulative[rank - 1] = total += 1 / rank ** s;
  return () => {
    const target = random() * total;
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

/** A seeded generator (mulberry32), so every run asks for the same sequence. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const scenario: Scenario = {
  id: 'zipf-hits',
  title: `hits over ${DISTINCT} distinct stored renditions with Zipf-distributed keys at c = ${CONNECTIONS}, redirect delivery, vs the bare 303 server`,
  async run(bench) {
    const { service, settings, log } = bench;
    const id = 'zipf';
    const original = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#3a7' } }).png().toBuffer();
    const uploaded = await uploadTo(service.base, id, original);
    if (uploaded.status !== 201) throw new Error(`upload ${id}: ${uploaded.status}`);
    // `fit=crop` makes every box its own output size, so 100 × 100 boxes are 10 000 distinct renditions.
    const pathOf = (index: number): string => `/${id}_${(index % SIDE) + 1}_${Math.floor(index / SIDE) + 1}.jpg?fit=crop`;
    const random = seeded(14);
    // Which rendition each rank is: shuffled (Fisher–Yates), so popularity is not tied to the box size.
    const order = Array.from({ length: DISTINCT }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const draw = zipfSampler(DISTINCT, EXPONENT, random);
    const zipfPath = (): string => pathOf(order[draw()]!);

    log(`\n## ${DISTINCT} distinct renditions, Zipf keys, c=${CONNECTIONS}: storing them first`);
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < DISTINCT) await (await fetch(`${service.base}${pathOf(next++)}`, { redirect: 'manual' })).arrayBuffer();
    }));
    await sleep(2000);
    // The floor answers one of the service's own redirects, byte for byte, to every request.
    const { server: redirect } = await bareServerLike(bench, 'bare-303-zipf', await fetch(`${service.base}${pathOf(order[0]!)}`, { redirect: 'manual' }));
    // The load generator does the same work on both sides: a drawn path per request and every answer inspected (the
    // bare server ignores the path). A constant path without inspection made the floor's client cheaper.
    const pair = [
      { label: 'service', base: service.base, cpuSeconds: service.cpuSeconds },
      { label: 'floor', base: redirect.base, cpuSeconds: redirect.cpuSeconds },
    ];
    for (const p of pair) await load({ base: p.base, connections: CONNECTIONS, seconds: 3, path: zipfPath });
    const results: Record<string, LoadResult[]> = { service: [], floor: [] };
    const ratios: number[] = [];
    for (let rep = 0; rep < settings.reps; rep++) {
      const got: Record<string, LoadResult> = {};
      for (const p of rep % 2 === 0 ? pair : [...pair].reverse()) {
        await sleep(settings.pauseMs);
        const r = (got[p.label] = await load({ base: p.base, connections: CONNECTIONS, seconds: settings.seconds, path: zipfPath, inspect: true, cpuSeconds: p.cpuSeconds }));
        results[p.label]!.push(r);
        log(`  rep ${rep + 1} ${p.label.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  cpu ${r.cpuMsPerResponse.toFixed(3)} ms/resp  ${JSON.stringify(r.statuses)} x-cache ${JSON.stringify(r.xCache)}`);
      }
      ratios.push(got.service!.rps / got.floor!.rps);
    }
    const ratio = median(ratios);
    const label = `hits over ${DISTINCT} distinct renditions, Zipf keys (s = ${EXPONENT}), redirect delivery (303)`;
    const served = results.service!;
    const hits = served.reduce((sum, r) => sum + (r.xCache.HIT ?? 0), 0);
    const all = served.reduce((sum, r) => sum + r.responses, 0);
    return {
      rows: [{ section: HIT_SECTION, row: `| ${label} | ${CONNECTIONS} | ${hitCell(served)} | ${hitCell(results.floor!)} | ${fmt(ratio, 2)} | ≥ ${GOAL} × bare | ${yesNo(ratio >= GOAL)} |` }],
      checks: [`${label}: ${hits}/${all} service responses X-Cache HIT.`],
      chart: [{ label, series: { service: median(served.map((r) => r.rps)), bare: median(results.floor!.map((r) => r.rps)) } }],
    };
  },
};
