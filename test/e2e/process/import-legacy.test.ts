import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { startChildService } from '../../support/child-service.js';
import {
  createLegacyPostgres,
  createLegacySqlite,
  EXPIRED_LEGACY_TOKEN,
  LEGACY_ORIGINALS,
  LOST_LEGACY_IDS,
  USED_LEGACY_TOKEN,
  VALID_LEGACY_TOKEN,
  writeLegacyOriginals,
} from '../../support/legacy-deployment.js';
import { runLir, type CliRun } from '../../support/run-cli.js';
import { upload } from '../../support/service-harness.js';
import { photo } from '../http/core-loop.suite.js';

interface Report {
  readonly completed: boolean;
  readonly dryRun: boolean;
  readonly imported: number;
  readonly skipped: number;
  readonly refused: number;
  readonly refusals: ReadonlyArray<{ readonly id: string; readonly code: string; readonly reason: string }>;
  readonly missingOriginals: readonly string[];
  readonly tokens: { readonly imported: number; readonly skipped: number; readonly expired: number; readonly refused: readonly unknown[] };
  readonly prerender?: { readonly rendered: number; readonly cached: number; readonly failed: ReadonlyArray<{ readonly id: string }> };
}

const VALID = LEGACY_ORIGINALS.filter((o) => o.size !== undefined);
const REFUSED = LEGACY_ORIGINALS.filter((o) => o.refusedAs !== undefined);

/**
 * An old deployment built from scratch (its SQL in a throwaway database, an originals_dir named by id from the
 * corpus with a damaged file and an SVG), imported by `lir import-legacy`, then served by the real process.
 */
function describeImport(label: string, openDatabase: (folder: string) => Promise<{ args: string[]; drop: () => Promise<void> } | undefined>): void {
  describe(`lir import-legacy from an old deployment on ${label}`, function () {
    this.timeout(240_000);
    let folder: string;
    let originalsDir: string;
    let database: { args: string[]; drop: () => Promise<void> } | undefined;
    const env = (dataDir: string) => ({ DATA_DIR: dataDir });

    async function importLegacy(dataDir: string, ...extra: string[]): Promise<{ run: CliRun; report: Report }> {
      const reportFile = path.join(folder, `report-${Math.random().toString(36).slice(2)}.json`);
      const run = await runLir(['import-legacy', '--originals-dir', originalsDir, ...database!.args, '--report', reportFile, '--quiet', ...extra], env(dataDir));
      expect(run.code, `${run.stdout}\n${run.stderr}`).to.equal(0);
      return { run, report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report };
    }

    before(async function () {
      folder = mkdtempSync(path.join(tmpdir(), 'lir-import-legacy-'));
      originalsDir = path.join(folder, 'opt-images');
      writeLegacyOriginals(originalsDir);
      database = await openDatabase(folder);
      if (database === undefined) this.skip();
    });
    after(async () => {
      await database?.drop();
      rmSync(folder, { recursive: true, force: true });
    });

    it('a dry run reports what it would do and stores nothing', async () => {
      const dataDir = path.join(folder, 'dry');
      const { report } = await importLegacy(dataDir, '--dry-run');
      expect([report.dryRun, report.imported, report.refused]).to.deep.equal([true, VALID.length, REFUSED.length]);
      expect(report.tokens.imported).to.equal(1);
      expect(report.missingOriginals).to.deep.equal([...LOST_LEGACY_IDS]);
      const service = await startChildService({ env: env(dataDir) });
      try {
        expect((await fetch(`${service.url}/${VALID[0]!.id}.png`)).status).to.equal(404);
        expect((await upload(service.url, 'late-upload', await photo(40, 30), VALID_LEGACY_TOKEN)).status).to.equal(403);
      } finally {
        await service.stop();
      }
    });

    it('imports every valid original, reports the refusals, a second run imports nothing, and an old token uploads once', async () => {
      const dataDir = path.join(folder, 'new');
      const first = await importLegacy(dataDir, '--prerender', '2');
      expect(first.report).to.include({ completed: true, imported: VALID.length, skipped: 0, refused: REFUSED.length });
      expect(first.report.refusals.map((r) => [r.id, r.code])).to.have.deep.members(REFUSED.map((o) => [o.id, o.refusedAs]));
      for (const refusal of first.report.refusals) expect(first.run.stdout).to.include(refusal.id);
      // Listed by the old database, no file in originals_dir: reported, not fatal.
      expect(first.report.missingOriginals).to.deep.equal([...LOST_LEGACY_IDS]);
      expect(first.run.stdout).to.include(`missing: ${LOST_LEGACY_IDS.length} ids the old database lists`);
      for (const id of LOST_LEGACY_IDS) expect(first.run.stdout).to.include(JSON.stringify(id));
      expect(first.report.tokens).to.deep.include({ imported: 1, skipped: 0, expired: 1 });
      expect(first.report.tokens.refused).to.have.length(1);
      // 200x200 JPEG for three ids, 100x100 crop PNG for geometry (and for damaged, which has no original here).
      expect(first.report.prerender).to.deep.include({ rendered: 4, cached: 0 });
      expect(first.report.prerender?.failed.map((f) => f.id)).to.deep.equal(['damaged']);

      const second = await importLegacy(dataDir);
      expect(second.report).to.include({ imported: 0, skipped: VALID.length, refused: REFUSED.length });
      expect(second.report.tokens).to.deep.include({ imported: 0, skipped: 1 });
      expect(second.report.missingOriginals).to.deep.equal([...LOST_LEGACY_IDS]);

      const service = await startChildService({ env: { ...env(dataDir), COMPAT_LEGACY: 'true' } });
      try {
        for (const original of VALID) {
          const response = await fetch(`${service.url}/${original.id}.png`);
          expect(response.status, original.id).to.equal(200);
          const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
          expect({ width, height }, original.id).to.deep.equal(original.size);
        }
        for (const original of REFUSED) {
          const status = (await fetch(`${service.url}/${original.id}.png`)).status;
          expect(status, original.id).to.be.oneOf([400, 404]);
        }
        const prerendered = await fetch(`${service.url}/geometry_200_200.jpg`);
        await prerendered.arrayBuffer();
        expect(prerendered.headers.get('x-cache')).to.equal('HIT');

        expect((await upload(service.url, 'late-upload', await photo(40, 30), VALID_LEGACY_TOKEN)).status).to.equal(200);
        expect((await upload(service.url, 'late-upload', await photo(40, 30), VALID_LEGACY_TOKEN)).status).to.equal(403);
        expect((await upload(service.url, 'never-came', await photo(40, 30), EXPIRED_LEGACY_TOKEN)).status).to.equal(403);
        expect((await upload(service.url, 'geometry', await photo(40, 30), USED_LEGACY_TOKEN)).status).to.equal(403);
      } finally {
        await service.stop();
      }
    });
  });
}

describeImport('PostgreSQL', async () => {
  const old = await createLegacyPostgres();
  return old && { args: ['--database', old.url], drop: () => old.drop() };
});

describeImport('SQLite (pre-1.0 cache.sqlite)', async (folder) => {
  const filename = await createLegacySqlite(path.join(folder, 'old-sqlite'));
  return { args: ['--sqlite', filename], drop: async () => {} };
});
