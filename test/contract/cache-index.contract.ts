import { expect } from 'chai';
import fc from 'fast-check';
import { IndexUnavailableError, OriginalExistsError } from '../../src/application/application-error.js';
import type { CacheIndex, RenditionRecord } from '../../src/application/ports/cache-index.js';
import type { ImageId } from '../../src/domain/image-id.js';
import type { ContentVersion, OriginalMetadata } from '../../src/domain/original.js';
import {
  OriginalMother,
  randomContentVersion,
  randomFocalPoint,
  randomPlaceholder,
  RenditionRecordMother,
} from '../support/original-mother.js';
import { uniqueId, longestId } from '../support/unique-id.js';

export interface CacheIndexSubject {
  readonly subject: CacheIndex;
  /** Releases what `makeSubject` acquired; must also work after `simulateOutage`. */
  cleanup(): Promise<void>;
  /** Makes the backing database unreachable for this subject (e.g. destroys its connection pool). */
  simulateOutage(): Promise<void>;
}

export interface CacheIndexContractOptions {
  /** How many command sequences the model-based property tries; lower it for slow databases. */
  readonly modelRuns?: number;
}

async function thrown(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to throw');
}

/**
 * The behaviour every `CacheIndex` adapter must show. Each test works on ids of its own, so several
 * runs can share one database.
 */
export function describeCacheIndexContract(
  label: string,
  makeSubject: () => Promise<CacheIndexSubject>,
  options: CacheIndexContractOptions = {},
): void {
  describe(`CacheIndex contract: ${label}`, () => {
    let made: CacheIndexSubject;
    let index: CacheIndex;

    beforeEach(async () => {
      made = await makeSubject();
      index = made.subject;
    });

    afterEach(async () => {
      await made.cleanup();
    });

    describe('originals', () => {
      it('finds nothing for an unknown id, as undefined', async () => {
        expect(await index.findOriginal(uniqueId('img_'))).to.equal(undefined);
      });

      it('round-trips every field exactly, the upload time to the millisecond', async () => {
        for (const hasAlpha of [true, false]) {
          const original = OriginalMother.random({ hasAlpha });
          await index.saveOriginal(original, { replace: false });
          const found = await index.findOriginal(original.id);
          expect(found).to.deep.equal(original);
          expect(found?.uploadedAt).to.be.instanceOf(Date);
          expect(found?.uploadedAt.getTime()).to.equal(original.uploadedAt.getTime());
        }
      });

      it('round-trips a placeholder and a focal point exactly', async () => {
        const original = OriginalMother.random({ placeholder: randomPlaceholder(), focalPoint: randomFocalPoint() });
        await index.saveOriginal(original, { replace: false });
        expect(await index.findOriginal(original.id)).to.deep.equal(original);
      });

      it('updates only the fields it is given, only on the same version; clears a focal point given as undefined', async () => {
        const original = OriginalMother.random({ focalPoint: randomFocalPoint() });
        await index.saveOriginal(original, { replace: false });
        const placeholder = randomPlaceholder();
        expect(await index.updateOriginal(original, { placeholder })).to.equal(true);
        expect(await index.findOriginal(original.id)).to.deep.equal({ ...original, placeholder });
        expect(await index.updateOriginal(original, { placeholder })).to.equal(true);
        const focalPoint = randomFocalPoint();
        expect(await index.updateOriginal(original, { focalPoint })).to.equal(true);
        expect(await index.findOriginal(original.id)).to.deep.equal({ ...original, placeholder, focalPoint });
        expect(await index.updateOriginal(original, { focalPoint: undefined })).to.equal(true);
        const { focalPoint: _cleared, ...withoutFocal } = original;
        expect(await index.findOriginal(original.id)).to.deep.equal({ ...withoutFocal, placeholder });
      });

      it('updates nothing for another version or an unknown id, and says so', async () => {
        const original = OriginalMother.random();
        await index.saveOriginal(original, { replace: false });
        expect(await index.updateOriginal({ id: original.id, version: randomContentVersion() }, { focalPoint: randomFocalPoint() })).to.equal(false);
        expect(await index.updateOriginal(OriginalMother.random(), { placeholder: randomPlaceholder() })).to.equal(false);
        expect(await index.findOriginal(original.id)).to.deep.equal(original);
      });

      it('refuses to save over an existing id without replace and leaves the row unchanged', async () => {
        const first = OriginalMother.random();
        const second = OriginalMother.random({ id: first.id });
        await index.saveOriginal(first, { replace: false });
        const error = await thrown(() => index.saveOriginal(second, { replace: false }));
        expect(error).to.be.instanceOf(OriginalExistsError);
        expect(await index.findOriginal(first.id)).to.deep.equal(first);
      });

      it('lets exactly one of several racing saves without replace win', async () => {
        const id = uniqueId('img_');
        const candidates = Array.from({ length: 5 }, () => OriginalMother.random({ id }));
        const results = await Promise.allSettled(candidates.map((c) => index.saveOriginal(c, { replace: false })));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [candidates[i]] : []));
        expect(winners).to.have.length(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).to.be.instanceOf(OriginalExistsError);
        expect(await index.findOriginal(id)).to.deep.equal(winners[0]);
      });

      it('replaces an existing row with replace, and inserts a missing one', async () => {
        const first = OriginalMother.random();
        await index.saveOriginal(first, { replace: true });
        expect(await index.findOriginal(first.id)).to.deep.equal(first);
        const second = OriginalMother.random({ id: first.id });
        await index.saveOriginal(second, { replace: true });
        expect(await index.findOriginal(first.id)).to.deep.equal(second);
      });

      it('keeps originals of different ids apart', async () => {
        const a = OriginalMother.random();
        const b = OriginalMother.random();
        await index.saveOriginal(a, { replace: false });
        await index.saveOriginal(b, { replace: false });
        expect(await index.findOriginal(a.id)).to.deep.equal(a);
        expect(await index.findOriginal(b.id)).to.deep.equal(b);
      });

      it('deletes the original and every rendition row of the id, and nothing else; twice is fine', async () => {
        const original = OriginalMother.random();
        const other = OriginalMother.random();
        await index.saveOriginal(original, { replace: false });
        await index.saveOriginal(other, { replace: false });
        const oldVersion = RenditionRecordMother.of({ id: original.id, version: randomContentVersion() });
        const current = RenditionRecordMother.of(original);
        const othersRendition = RenditionRecordMother.of(other);
        for (const r of [oldVersion, current, othersRendition]) await index.saveRendition(r);

        await index.deleteOriginal(original.id);
        expect(await index.findOriginal(original.id)).to.equal(undefined);
        expect(await index.findRendition(oldVersion.key)).to.equal(undefined);
        expect(await index.findRendition(current.key)).to.equal(undefined);
        expect(await index.listRenditions(original.id)).to.deep.equal([]);
        expect(await index.findOriginal(other.id)).to.deep.equal(other);
        expect(await index.findRendition(othersRendition.key)).to.deep.equal(othersRendition);

        await index.deleteOriginal(original.id);
        await index.deleteOriginal(uniqueId('img_'));
      });

      it('handles ids of the maximum length made of _ and - like any other', async () => {
        const id = longestId('max_');
        expect(id).to.have.length(128);
        const original = OriginalMother.random({ id });
        const rendition = RenditionRecordMother.of(original);
        await index.saveOriginal(original, { replace: false });
        await index.saveRendition(rendition);
        expect(await index.findOriginal(id)).to.deep.equal(original);
        expect(await index.listRenditions(id)).to.deep.equal([rendition]);
        await index.deleteOriginal(id);
        expect(await index.findOriginal(id)).to.equal(undefined);
        expect(await index.findRendition(rendition.key)).to.equal(undefined);
      });

      it('treats _ and - literally: an id never matches others as a pattern', async () => {
        const base = uniqueId('img_');
        const underscore = `${base}_x` as ImageId;
        const dash = `${base}-x` as ImageId;
        const a = OriginalMother.random({ id: underscore });
        await index.saveOriginal(a, { replace: false });
        await index.saveRendition(RenditionRecordMother.of(a));
        expect(await index.findOriginal(dash)).to.equal(undefined);
        expect(await index.listRenditions(dash)).to.deep.equal([]);
        await index.deleteOriginal(dash);
        expect(await index.findOriginal(underscore)).to.deep.equal(a);
        expect(await index.listRenditions(underscore)).to.have.length(1);
      });
    });

    describe('renditions', () => {
      it('finds nothing for an unknown key, as undefined', async () => {
        expect(await index.findRendition(RenditionRecordMother.random().key)).to.equal(undefined);
      });

      it('round-trips every field exactly, the creation time to the millisecond', async () => {
        const record = RenditionRecordMother.random();
        await index.saveRendition(record);
        const found = await index.findRendition(record.key);
        expect(found).to.deep.equal(record);
        expect(found?.createdAt.getTime()).to.equal(record.createdAt.getTime());
      });

      it('accepts the same key twice: saving is idempotent and the latest row is kept', async () => {
        const record = RenditionRecordMother.random();
        await index.saveRendition(record);
        await index.saveRendition(record);
        expect(await index.findRendition(record.key)).to.deep.equal(record);
        expect(await index.listRenditions(record.originalId)).to.deep.equal([record]);
        const again = { ...record, bytes: record.bytes + 1, createdAt: new Date(record.createdAt.getTime() + 1) };
        await index.saveRendition(again);
        expect(await index.findRendition(record.key)).to.deep.equal(again);
      });

      it('lists only the id’s renditions, oldest first', async () => {
        const original = OriginalMother.random();
        const other = OriginalMother.random();
        const base = Date.UTC(2030, 0, 1, 12, 0, 0, 123);
        // Saved out of order, across two versions, so neither insertion order nor version groups the result.
        const offsets = [5, 1, 3, 2, 4];
        const records = offsets.map((offset, i) =>
          RenditionRecordMother.of(
            { id: original.id, version: i % 2 === 0 ? original.version : randomContentVersion() },
            { createdAt: new Date(base + offset) },
          ),
        );
        for (const r of records) await index.saveRendition(r);
        await index.saveRendition(RenditionRecordMother.of(other, { createdAt: new Date(base + 2) }));

        const listed = await index.listRenditions(original.id);
        expect(listed).to.deep.equal([...records].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()));
        expect(await index.listRenditions(uniqueId('img_'))).to.deep.equal([]);
      });

      it('deletes one key only; deleting it again or an unknown key is fine', async () => {
        const original = OriginalMother.random();
        const a = RenditionRecordMother.of(original);
        const b = RenditionRecordMother.of(original);
        await index.saveRendition(a);
        await index.saveRendition(b);
        await index.deleteRendition(a.key);
        expect(await index.findRendition(a.key)).to.equal(undefined);
        expect(await index.findRendition(b.key)).to.deep.equal(b);
        await index.deleteRendition(a.key);
        await index.deleteRendition(RenditionRecordMother.random().key);
        expect(await index.listRenditions(original.id)).to.deep.equal([b]);
      });

      it('deletes the renditions of one version of one id only, and leaves the original row', async () => {
        const original = OriginalMother.random();
        const other = OriginalMother.random({ version: original.version });
        await index.saveOriginal(original, { replace: false });
        const oldVersion = RenditionRecordMother.of(original, { createdAt: new Date(1_000) });
        const oldVersion2 = RenditionRecordMother.of(original, { createdAt: new Date(2_000) });
        const newVersion = RenditionRecordMother.of({ id: original.id, version: randomContentVersion() }, { createdAt: new Date(3_000) });
        const sameVersionOtherId = RenditionRecordMother.of(other);
        for (const r of [oldVersion, oldVersion2, newVersion, sameVersionOtherId]) await index.saveRendition(r);

        await index.deleteRenditionsOfVersion(original.id, original.version);
        expect(await index.listRenditions(original.id)).to.deep.equal([newVersion]);
        expect(await index.findRendition(sameVersionOtherId.key)).to.deep.equal(sameVersionOtherId);
        expect(await index.findOriginal(original.id)).to.deep.equal(original);
        await index.deleteRenditionsOfVersion(original.id, original.version);
        expect(await index.listRenditions(original.id)).to.deep.equal([newVersion]);
      });
    });

    describe('rendition budget: sizes and recency', () => {
      // Earlier than any time another test writes (randomDate starts in 2001), so that these rows are the least
      // recently used of a database that other tests share, and the listing's head is known.
      const ancient = (offset: number): Date => new Date(-8_000_000_000_000_000 + offset);
      let saved: RenditionRecord[] = [];

      async function saveAncient(count: number): Promise<RenditionRecord[]> {
        const original = OriginalMother.random();
        const records = Array.from({ length: count }, (_, i) => RenditionRecordMother.of(original, { createdAt: ancient(i * 10), bytes: 1000 + i }));
        for (const record of records) await index.saveRendition(record);
        saved = records;
        return records;
      }

      afterEach(async () => {
        for (const record of saved) await index.deleteRendition(record.key);
        saved = [];
      });

      it('sums the bytes of the rendition rows: saving adds, deleting subtracts, a second delete changes nothing', async () => {
        const before = await index.renditionBytes();
        const [a, b] = await saveAncient(2);
        expect(await index.renditionBytes()).to.equal(before + (a?.bytes ?? 0) + (b?.bytes ?? 0));
        expect(await index.deleteRendition(a?.key ?? '')).to.equal(true);
        expect(await index.deleteRendition(a?.key ?? '')).to.equal(false);
        expect(await index.renditionBytes()).to.equal(before + (b?.bytes ?? 0));
      });

      it('lists the least recently used first, by save time, then ties by key, up to the limit', async () => {
        const [a, b, c] = await saveAncient(3);
        const tie = RenditionRecordMother.of({ id: a?.originalId as ImageId, version: a?.originalVersion as ContentVersion }, { createdAt: ancient(0) });
        await index.saveRendition(tie);
        saved.push(tie);
        const firstTwo = [a, tie].sort((x, y) => ((x?.key ?? '') < (y?.key ?? '') ? -1 : 1));
        expect(await index.leastRecentlyUsed(4)).to.deep.equal([...firstTwo, b, c]);
        expect(await index.leastRecentlyUsed(1)).to.deep.equal([firstTwo[0]]);
      });

      it('moves a touched rendition behind the others; an earlier touch, an unknown key and no keys change nothing', async () => {
        const [a, b, c] = await saveAncient(3);
        await index.touchRenditions([a?.key ?? '', 'never/stored/key.webp'], ancient(100));
        expect(await index.leastRecentlyUsed(3)).to.deep.equal([b, c, a]);
        await index.touchRenditions([a?.key ?? ''], ancient(5));
        await index.touchRenditions([], ancient(200));
        expect(await index.leastRecentlyUsed(3)).to.deep.equal([b, c, a]);
        await index.touchRenditions([b?.key ?? ''], ancient(150));
        await index.touchRenditions([b?.key ?? ''], ancient(150));
        await index.touchRenditions([c?.key ?? ''], ancient(160));
        expect(await index.leastRecentlyUsed(3)).to.deep.equal([a, b, c]);
      });

      it('counts saving a key again as a use', async () => {
        const [a, b] = await saveAncient(2);
        const again = { ...(a as RenditionRecord), createdAt: ancient(50) };
        await index.saveRendition(again);
        expect(await index.leastRecentlyUsed(2)).to.deep.equal([b, again]);
      });
    });

    describe('health and failures', () => {
      it('answers check() while the database is up', async () => {
        await index.check();
      });

      it('turns an outage into IndexUnavailableError with a cause, from every method', async () => {
        const original = OriginalMother.random();
        const rendition = RenditionRecordMother.of(original);
        await made.simulateOutage();
        const calls: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
          ['check', () => index.check()],
          ['findOriginal', () => index.findOriginal(original.id)],
          ['saveOriginal', () => index.saveOriginal(original, { replace: false })],
          ['saveOriginal(replace)', () => index.saveOriginal(original, { replace: true })],
          ['deleteOriginal', () => index.deleteOriginal(original.id)],
          ['updateOriginal', () => index.updateOriginal(original, { focalPoint: randomFocalPoint() })],
          ['findRendition', () => index.findRendition(rendition.key)],
          ['saveRendition', () => index.saveRendition(rendition)],
          ['listRenditions', () => index.listRenditions(original.id)],
          ['deleteRendition', () => index.deleteRendition(rendition.key)],
          ['deleteRenditionsOfVersion', () => index.deleteRenditionsOfVersion(original.id, original.version)],
          ['renditionBytes', () => index.renditionBytes()],
          ['leastRecentlyUsed', () => index.leastRecentlyUsed(10)],
          ['touchRenditions', () => index.touchRenditions([rendition.key], new Date(0))],
        ];
        for (const [name, call] of calls) {
          const error = await thrown(call);
          expect(error, name).to.be.instanceOf(IndexUnavailableError);
          expect((error as Error).cause, `${name} cause`).to.not.equal(undefined);
        }
      });
    });

    describe('model-based: any sequence of commands behaves like a Map', () => {
      it('agrees with the model', async function () {
        this.timeout(120_000);
        await fc.assert(
          fc.asyncProperty(fc.commands(commandArbitraries(), { maxCommands: 25 }), async (commands) => {
            const model = newModel();
            try {
              await fc.asyncModelRun(() => ({ model, real: index }), commands);
            } finally {
              for (const id of model.ids) await index.deleteOriginal(id);
            }
          }),
          { numRuns: options.modelRuns ?? 50 },
        );
      });
    });
  });
}

// The model: a handful of ids and versions per run (fresh ones each run, so runs never see each
// other's rows), rendition keys derived from them as the real keys are.
interface Model {
  readonly ids: readonly ImageId[];
  readonly versions: readonly ContentVersion[];
  readonly originals: Map<string, OriginalMetadata>;
  readonly renditions: Map<string, RenditionRecord>;
}

const IDS_PER_RUN = 3;
const VERSIONS_PER_RUN = 2;

function newModel(): Model {
  return {
    ids: Array.from({ length: IDS_PER_RUN }, () => uniqueId('model_')),
    versions: Array.from({ length: VERSIONS_PER_RUN }, () => randomContentVersion()),
    originals: new Map(),
    renditions: new Map(),
  };
}

type IndexCommand = fc.AsyncCommand<Model, CacheIndex, false>;

const idIndex = fc.nat({ max: IDS_PER_RUN - 1 });
const versionIndex = fc.nat({ max: VERSIONS_PER_RUN - 1 });
const slot = fc.nat({ max: 2 });
// A small time range, so ties in createdAt happen and are covered by the ordering check.
const createdAt = fc.integer({ min: 0, max: 5 }).map((ms) => new Date(Date.UTC(2031, 5, 1) + ms));

function renditionKey(model: Model, id: number, version: number, n: number): string {
  return `${model.ids[id]}/${model.versions[version]?.slice(0, 16)}/${n}.webp`;
}

function commandArbitraries(): Array<fc.Arbitrary<IndexCommand>> {
  const saveOriginal = fc
    .record({ id: idIndex, version: versionIndex, replace: fc.boolean(), width: fc.integer({ min: 1, max: 9000 }), at: createdAt })
    .map(
      (c): IndexCommand => ({
        check: () => true,
        async run(model, real) {
          const original = OriginalMother.random({
            id: model.ids[c.id],
            version: model.versions[c.version],
            width: c.width,
            uploadedAt: c.at,
          });
          const exists = model.originals.has(original.id);
          let refused = false;
          try {
            await real.saveOriginal(original, { replace: c.replace });
          } catch (error) {
            expect(error).to.be.instanceOf(OriginalExistsError);
            refused = true;
          }
          expect(refused, 'refused').to.equal(exists && !c.replace);
          if (!refused) model.originals.set(original.id, original);
        },
        toString: () => `saveOriginal(${c.id}, v${c.version}, replace=${c.replace})`,
      }),
    );
  const findOriginal = idIndex.map(
    (id): IndexCommand => ({
      check: () => true,
      async run(model, real) {
        const key = model.ids[id] as ImageId;
        expect(await real.findOriginal(key)).to.deep.equal(model.originals.get(key));
      },
      toString: () => `findOriginal(${id})`,
    }),
  );
  const deleteOriginal = idIndex.map(
    (id): IndexCommand => ({
      check: () => true,
      async run(model, real) {
        const key = model.ids[id] as ImageId;
        await real.deleteOriginal(key);
        model.originals.delete(key);
        for (const [k, r] of model.renditions) if (r.originalId === key) model.renditions.delete(k);
      },
      toString: () => `deleteOriginal(${id})`,
    }),
  );
  const saveRendition = fc
    .record({ id: idIndex, version: versionIndex, n: slot, at: createdAt, bytes: fc.integer({ min: 1, max: 1e9 }) })
    .map(
      (c): IndexCommand => ({
        check: () => true,
        async run(model, real) {
          const record = RenditionRecordMother.of(
            { id: model.ids[c.id] as ImageId, version: model.versions[c.version] as ContentVersion },
            { key: renditionKey(model, c.id, c.version, c.n), createdAt: c.at, bytes: c.bytes },
          );
          await real.saveRendition(record);
          model.renditions.set(record.key, record);
        },
        toString: () => `saveRendition(${c.id}, v${c.version}, #${c.n}, t${c.at.getTime() % 10})`,
      }),
    );
  const findRendition = fc.record({ id: idIndex, version: versionIndex, n: slot }).map(
    (c): IndexCommand => ({
      check: () => true,
      async run(model, real) {
        const key = renditionKey(model, c.id, c.version, c.n);
        expect(await real.findRendition(key)).to.deep.equal(model.renditions.get(key));
      },
      toString: () => `findRendition(${c.id}, v${c.version}, #${c.n})`,
    }),
  );
  const listRenditions = idIndex.map(
    (id): IndexCommand => ({
      check: () => true,
      async run(model, real) {
        const key = model.ids[id] as ImageId;
        const listed = await real.listRenditions(key);
        const times = listed.map((r) => r.createdAt.getTime());
        expect(times, 'oldest first').to.deep.equal([...times].sort((a, b) => a - b));
        const expected = [...model.renditions.values()].filter((r) => r.originalId === key);
        expect(listed).to.have.deep.members(expected);
      },
      toString: () => `listRenditions(${id})`,
    }),
  );
  const deleteRendition = fc.record({ id: idIndex, version: versionIndex, n: slot }).map(
    (c): IndexCommand => ({
      check: () => true,
      async run(model, real) {
        const key = renditionKey(model, c.id, c.version, c.n);
        await real.deleteRendition(key);
        model.renditions.delete(key);
      },
      toString: () => `deleteRendition(${c.id}, v${c.version}, #${c.n})`,
    }),
  );
  const deleteRenditionsOfVersion = fc.record({ id: idIndex, version: versionIndex }).map(
    (c): IndexCommand => ({
      check: () => true,
      async run(model, real) {
        const id = model.ids[c.id] as ImageId;
        const version = model.versions[c.version] as ContentVersion;
        await real.deleteRenditionsOfVersion(id, version);
        for (const [k, r] of model.renditions) if (r.originalId === id && r.originalVersion === version) model.renditions.delete(k);
      },
      toString: () => `deleteRenditionsOfVersion(${c.id}, v${c.version})`,
    }),
  );
  return [saveOriginal, findOriginal, deleteOriginal, saveRendition, findRendition, listRenditions, deleteRendition, deleteRenditionsOfVersion];
}
