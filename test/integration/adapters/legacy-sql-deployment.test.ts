import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import knexFactory from 'knex';
import { LegacySourceError } from '../../../src/application/application-error.js';
import { legacyTimestamp, LegacySqlDeployment, type LegacyDatabaseLocation } from '../../../src/adapters/sql/legacy-sql-deployment.js';
import { createLegacyPostgres, createLegacySqlite, EXPIRED_LEGACY_TOKEN, LOST_LEGACY_IDS, VALID_LEGACY_TOKEN, type LegacyPostgres } from '../../support/legacy-deployment.js';

const NOW = new Date('2026-12-02T07:00:00Z');

function describeLegacyDatabase(label: string, open: () => Promise<{ location: LegacyDatabaseLocation; cleanup: () => Promise<void> } | undefined>): void {
  describe(`LegacySqlDeployment (${label})`, function () {
    this.timeout(30_000);
    let location: LegacyDatabaseLocation;
    let cleanup: () => Promise<void> = async () => {};
    let deployment: LegacySqlDeployment;

    before(async function () {
      const opened = await open();
      if (opened === undefined) this.skip();
      ({ location, cleanup } = opened);
      deployment = await LegacySqlDeployment.open(location);
    });
    after(async () => {
      await deployment?.close();
      await cleanup();
    });

    it('reads the last schema migration from dbchangelog', async () => {
      expect(await deployment.schemaVersion()).to.equal('20190521132150');
    });

    it('lists the unused tokens with their value, id and expiry (in UTC, whatever the driver)', async () => {
      const tokens = await deployment.unusedTokens();
      expect(tokens.map((t) => t.value)).to.have.members([VALID_LEGACY_TOKEN, EXPIRED_LEGACY_TOKEN, 'bad-id-token']);
      const valid = tokens.find((t) => t.value === VALID_LEGACY_TOKEN);
      expect(valid?.imageId).to.equal('late-upload');
      expect(valid?.validUntil.toISOString()).to.equal(new Date(NOW.getTime() + 10 * 60_000).toISOString());
    });

    it('ranks the old boxes by how many ids were rendered at them, and lists those ids', async () => {
      const boxes = await deployment.mostRequestedBoxes(2);
      expect(boxes).to.deep.equal([
        { width: 200, height: 200, fit: 'clip', mimeType: 'image/jpeg', ids: 3 },
        { width: 100, height: 100, fit: 'crop', mimeType: 'image/png', ids: 2 },
      ]);
      expect(await deployment.idsRenderedAt(boxes[0]!)).to.deep.equal(['geometry', 'portrait-photo', 'testimg']);
      expect(await deployment.idsRenderedAt(boxes[1]!)).to.deep.equal(['damaged', 'geometry']);
      expect(await deployment.mostRequestedBoxes(10)).to.have.length(4);
    });

    it('lists the ids it had an original for: rendered, or uploaded with a used token; never an unused token’s', async () => {
      expect(await deployment.idsWithOriginals()).to.deep.equal(['damaged', 'geometry', LOST_LEGACY_IDS[0], LOST_LEGACY_IDS[1], 'portrait-photo', 'testimg'].sort());
    });
  });
}

describeLegacyDatabase('PostgreSQL', async () => {
  const old: LegacyPostgres | undefined = await createLegacyPostgres(NOW);
  return old && { location: { driver: 'postgres', url: old.url }, cleanup: () => old.drop() };
});

describe('LegacySqlDeployment (SQLite, the pre-1.0 cache.sqlite)', () => {
  let folder: string;
  let filename: string;
  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'lir-legacy-sqlite-'));
    filename = await createLegacySqlite(folder, NOW);
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  describeLegacyDatabase('SQLite', async () => ({ location: { driver: 'sqlite', filename }, cleanup: async () => {} }));

  it('leaves the old file exactly as it was (opened read-only)', async () => {
    const digest = () => createHash('sha256').update(readFileSync(filename)).digest('hex');
    const before = digest();
    const deployment = await LegacySqlDeployment.open({ driver: 'sqlite', filename });
    await deployment.unusedTokens();
    await deployment.mostRequestedBoxes(5);
    await deployment.close();
    expect(digest()).to.equal(before);
  });

  it('names the file when it does not exist, and the table when one is missing', async () => {
    const absent = await LegacySqlDeployment.open({ driver: 'sqlite', filename: path.join(folder, 'nope.sqlite') }).then(() => undefined, (e: unknown) => e);
    expect(absent).to.be.instanceOf(LegacySourceError);
    expect((absent as Error).message).to.match(/nope\.sqlite does not exist/);
    const other = path.join(folder, 'other.sqlite');
    const knex = knexFactory({ client: 'better-sqlite3', connection: { filename: other }, useNullAsDefault: true });
    await knex.raw('create table unrelated (x int)');
    await knex.destroy();
    const deployment = await LegacySqlDeployment.open({ driver: 'sqlite', filename: other });
    try {
      const error = await deployment.unusedTokens().then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(LegacySourceError);
      expect((error as Error).message).to.match(/old tokens table from .*other\.sqlite failed: .*no such table: tokens/);
    } finally {
      await deployment.close();
    }
  });
});

describe('legacyTimestamp', () => {
  it("reads SQLite's datetime() text as UTC, and passes dates and epoch numbers through", () => {
    expect(legacyTimestamp('2026-12-02 07:10:00').toISOString()).to.equal('2026-12-02T07:10:00.000Z');
    expect(legacyTimestamp('2026-12-02T07:10:00+01:00').toISOString()).to.equal('2026-12-02T06:10:00.000Z');
    expect(legacyTimestamp(NOW)).to.equal(NOW);
    expect(legacyTimestamp(NOW.getTime()).toISOString()).to.equal(NOW.toISOString());
  });
});
