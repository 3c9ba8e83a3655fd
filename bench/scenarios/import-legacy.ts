import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory from 'knex';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { runLir } from '../../test/support/run-cli.js';
import { COMMON_ENV, fmt } from '../lib/bench.js';
import { median } from '../lib/load.js';
import { yesNo, type Scenario, type Section } from '../lib/scenario.js';

/** Originals in the old originals_dir: enough for a rate, few enough to generate in seconds. */
const COUNT = 1000;
/** The rate of `lir import-legacy`, as a share of the rate of copying the same files and inserting one index row each. */
const GOAL = 0.5;

const IMPORT_SECTION: Section = {
  heading: 'Importing an old deployment',
  columns: ['what', 'result', 'goal', 'met'],
  after: [
    '`lir import-legacy` stores every original through the configured store (atomic write: temp file, fsync, rename, directory',
    'fsync) and index, after probing it like an upload (header, limits, a decode of every byte reduced on load to the placeholder',
    'preview); the reference copies the same files with `cp -r` (no fsync) and inserts one SQLite row per file (WAL, one',
    'transaction each, as the index does). Why the goal is out of reach: ADR 0035. Rates are the median of BENCH_REPS runs,',
    'each into a fresh DATA_DIR.',
  ],
};

/** An old originals_dir of COUNT distinct 640×480 JPEGs named by id, no extension, and an empty old SQLite database. */
async function oldDeployment(folder: string): Promise<{ originals: string; database: string; bytes: number }> {
  const originals = path.join(folder, 'opt-images');
  mkdirSync(originals, { recursive: true });
  const base = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
  let bytes = 0;
  for (let i = 0; i < COUNT; i++) {
    const jpeg = await sharp(base).modulate({ hue: i % 360 }).jpeg({ quality: 70 + (i % 25) }).toBuffer();
    writeFileSync(path.join(originals, `photo-${String(i).padStart(4, '0')}`), jpeg);
    bytes += jpeg.length;
  }
  const database = path.join(folder, 'cache.sqlite');
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: database }, useNullAsDefault: true });
  await knex.raw('create table images (id varchar(255), x int, y int, fit varchar(8), file_type varchar(16), url varchar(255), blur boolean default 0, rendered_at datetime, quality int not null default -1)');
  await knex.raw('create table tokens (id varchar(255), image_id varchar(255), used int, valid_until datetime, uploaded_at datetime)');
  await knex.raw('create table dbchangelog (id varchar(255), datetime datetime)');
  await knex.destroy();
  return { originals, database, bytes };
}

/** The reference: `cp -r` of the folder, then one index row per file, each in its own transaction. */
async function copyAndIndex(originals: string, target: string): Promise<number> {
  const started = performance.now();
  await promisify(execFile)('cp', ['-r', originals, path.join(target, 'originals')]);
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: path.join(target, 'index.sqlite') }, useNullAsDefault: true });
  await knex.raw('pragma journal_mode = WAL');
  await knex.raw('create table originals (id text primary key, bytes integer, uploaded_at integer)');
  for (const name of readdirSync(originals)) await knex('originals').insert({ id: name, bytes: 0, uploaded_at: Date.now() });
  await knex.destroy();
  return performance.now() - started;
}

export const scenario: Scenario = {
  id: 'import-legacy',
  title: `lir import-legacy of ${COUNT} originals against cp -r + one index insert each`,
  async run(bench) {
    const { log, work, settings } = bench;
    log(`\n## import ${COUNT} originals from an old deployment`);
    const old = await oldDeployment(path.join(work, 'legacy-import'));
    const importMs: number[] = [];
    const referenceMs: number[] = [];
    const summaries: string[] = [];
    for (let rep = 0; rep < settings.reps; rep++) {
      const dataDir = path.join(work, 'legacy-import', `data-${rep}`);
      const report = path.join(work, 'legacy-import', `report-${rep}.json`);
      const lir = await runLir(['import-legacy', '--originals-dir', old.originals, '--sqlite', old.database, '--report', report, '--quiet'], {
        ...COMMON_ENV,
        ...bench.serviceEnv,
        DATA_DIR: dataDir,
      });
      if (lir.code !== 0) throw new Error(`lir import-legacy failed (${lir.code}): ${lir.stdout}${lir.stderr}`);
      const result = JSON.parse(readFileSync(report, 'utf8')) as { elapsedMs: number; imported: number; refused: number };
      if (result.imported !== COUNT) throw new Error(`lir import-legacy imported ${result.imported} of ${COUNT}`);
      importMs.push(result.elapsedMs);
      summaries.push(`${result.imported} imported, ${result.refused} refused in ${result.elapsedMs} ms`);
      const target = path.join(work, 'legacy-import', `reference-${rep}`);
      mkdirSync(target, { recursive: true });
      referenceMs.push(await copyAndIndex(old.originals, target));
      log(`  rep ${rep + 1}: import ${fmt(importMs.at(-1)!, 0)} ms, cp + inserts ${fmt(referenceMs.at(-1)!, 0)} ms`);
    }
    const importRate = (COUNT * 1000) / median(importMs);
    const referenceRate = (COUNT * 1000) / median(referenceMs);
    const ratio = importRate / referenceRate;
    const mb = fmt(old.bytes / (1024 * 1024));
    return {
      rows: [
        {
          section: IMPORT_SECTION,
          row: `| import ${COUNT} originals (${mb} MB of 640×480 JPEG) | ${fmt(importRate, 0)}/s vs ${fmt(referenceRate, 0)}/s for cp + inserts = ${fmt(ratio * 100, 0)} % | ≥ ${GOAL * 100} % | ${yesNo(ratio >= GOAL)} |`,
        },
      ],
      checks: [`import-legacy: ${summaries.join('; ')}; reference runs ${referenceMs.map((ms) => fmt(ms, 0)).join(', ')} ms.`],
    };
  },
};
