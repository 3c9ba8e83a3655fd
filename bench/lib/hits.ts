/**
 * Cache hits: the service against a floor (a bare node:http server, or another service process), runs
 * alternating A B, B A, … after a warm-up, each ratio taken within one repetition.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadCell, waitForHit, type Bench } from './bench.js';
import type { ChildServer } from './child-server.js';
import { load, type LoadResult } from './load.js';
import type { Section } from './scenario.js';

export const HIT_SECTION: Section = {
  heading: 'Cache hits (one stored rendition requested over and over)',
  columns: ['scenario', 'c', 'service req/s (p50/p99 ms; CPU ms/resp)', 'bare Node, same', 'service ÷ bare', 'target', 'met'],
};

/** Headers Node's own server writes for itself (or that belong to one connection), left to the bare server's Node. */
const CONNECTION_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * A bare node:http server answering with `answer`'s own status, headers and body: the same bytes for the load
 * generator to read on both sides of the ratio (bench/servers/constant-server.ts).
 */
export async function bareServerLike(bench: Bench, name: string, answer: Response): Promise<{ readonly server: ChildServer; readonly bytes: number }> {
  const body = Buffer.from(await answer.arrayBuffer());
  const headers = [...answer.headers].filter(([header]) => !CONNECTION_HEADERS.has(header));
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lir-bench-answer-')), 'answer.json');
  writeFileSync(file, JSON.stringify({ status: answer.status, headers, body: body.toString('base64') }));
  const server = await bench.reference(name, 'constant-server.ts', { ANSWER_FILE: file });
  return { server, bytes: body.length };
}

export interface HitSide {
  readonly server: ChildServer;
  readonly path: string;
  /** Answered from the index alone (e.g. `/{id}.json`): no rendition to wait for, so no `X-Cache: HIT` to expect. */
  readonly indexOnly?: boolean;
}

export interface HitRow {
  readonly scenario: string;
  readonly connections: number;
  readonly service: LoadResult[];
  readonly floor: LoadResult[];
  /** Per repetition: throughput service ÷ floor, or CPU ms per response service ÷ floor with `byCpu`. */
  readonly ratios: number[];
  /** What the service answered first, and how many responses were of another status class than expected. */
  readonly check: string;
}

/** A report cell for hits: whole req/s, CPU ms to two decimals. */
export const hitCell = (results: readonly LoadResult[]): string => loadCell(results, 0, 2);

/**
 * Alternates runs of `subject` and `reference` (A B, B A, …) after a warm-up, each ratio taken within one
 * repetition: throughput (subject ÷ reference), or CPU ms per response (subject ÷ reference) with `byCpu`.
 */
export async function hitRun(bench: Bench, scenario: string, subject: HitSide, reference: HitSide, expectStatus: number, byCpu = false): Promise<HitRow> {
  const connections = 16;
  const { settings, log } = bench;
  const first = subject.indexOnly ? await fetchOnce(`${subject.server.base}${subject.path}`) : await waitForHit(subject.server.base, subject.path);
  log(`\n## ${scenario}, c=${connections}: ${subject.path} answers ${first.status} X-Cache ${first.headers.get('x-cache')}`);
  const pair = [
    { label: 'service', base: subject.server.base, path: subject.path, cpuSeconds: subject.server.cpuSeconds },
    { label: 'floor', base: reference.server.base, path: reference.path, cpuSeconds: reference.server.cpuSeconds },
  ];
  // Hits are cheap: a longer warm-up, so that the first measured run is not still compiling.
  for (const p of pair) await load({ base: p.base, connections, seconds: 3, path: p.path });
  const service: LoadResult[] = [];
  const floor: LoadResult[] = [];
  const ratios: number[] = [];
  for (let rep = 0; rep < settings.reps; rep++) {
    const order = rep % 2 === 0 ? pair : [...pair].reverse();
    const got: Record<string, LoadResult> = {};
    for (const p of order) {
      await sleep(settings.pauseMs);
      const r = (got[p.label] = await load({ base: p.base, connections, seconds: settings.seconds, path: p.path, cpuSeconds: p.cpuSeconds }));
      log(`  rep ${rep + 1} ${p.label.padEnd(8)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  cpu ${r.cpuMsPerResponse.toFixed(3)} ms/resp  ${JSON.stringify(r.statuses)}`);
    }
    service.push(got.service!);
    floor.push(got.floor!);
    ratios.push(byCpu ? got.service!.cpuMsPerResponse / got.floor!.cpuMsPerResponse : got.service!.rps / got.floor!.rps);
  }
  const wrong = [...service, ...floor].reduce((sum, r) => sum + r.responses - (r.statuses[`${Math.floor(expectStatus / 100)}xx`] ?? 0), 0);
  const check = `${scenario}: service answered ${first.status} (X-Cache ${first.headers.get('x-cache')}), ${wrong} responses of another class.`;
  return { scenario, connections, service, floor, ratios, check };
}

async function fetchOnce(url: string): Promise<Response> {
  const response = await fetch(url, { redirect: 'manual' });
  await response.arrayBuffer();
  return response;
}
