import { expect } from 'chai';
import { IndexUnavailableError, SourceUnreadableError } from '../../../src/application/application-error.js';
import type { SourceEntry } from '../../../src/application/ports/original-source.js';
import type { ImportOutcome } from '../../../src/application/use-cases/import-originals.js';
import { contentVersionOf } from '../../../src/domain/original.js';
import { createApplicationHarness } from '../../support/application-harness.js';
import { gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

function entry(id: string, bytes: Uint8Array, name = `${id}.img`): SourceEntry {
  return { name, id, bytes: bytes.length, read: async () => bytes };
}

describe('ImportOriginals', () => {
  let jpeg: Buffer;
  let png: Buffer;

  before(async () => {
    jpeg = await gradientJpeg(32, 24);
    png = await quadrantPng(20, 10);
  });

  it('stores every valid entry byte for byte and indexes it, without a token', async () => {
    const h = createApplicationHarness();
    const [a, b] = [uniqueId('imp'), uniqueId('imp')];
    const outcomes: ImportOutcome[] = [];

    const summary = await h.importOriginals.execute({ entries: [entry(a, jpeg), entry(b, png)], onOutcome: (o) => outcomes.push(o) });

    expect(summary).to.deep.include({ dryRun: false, imported: 2, replaced: 0, skipped: 0, refused: 0, importedBytes: jpeg.length + png.length });
    expect(outcomes.map((o) => o.status)).to.deep.equal(['imported', 'imported']);
    const stored = await h.index.findOriginal(a);
    expect(stored).to.deep.include({ id: a, version: contentVersionOf(jpeg), format: 'jpeg', width: 32, height: 24 });
    expect(Buffer.from((await h.originals.get(stored!))!)).to.deep.equal(jpeg);
    expect(await h.index.findOriginal(b)).to.deep.include({ format: 'png', width: 20, height: 10 });
  });

  it('is idempotent: a second run skips what the first stored (same id, same content)', async () => {
    const h = createApplicationHarness();
    const id = uniqueId('imp');
    await h.importOriginals.execute({ entries: [entry(id, jpeg)] });
    let reads = 0;
    const counted: SourceEntry = { ...entry(id, jpeg), read: async () => ((reads += 1), jpeg) };

    const again = await h.importOriginals.execute({ entries: [counted] });

    expect(again).to.deep.include({ imported: 0, skipped: 1, refused: 0 });
    expect(reads).to.equal(1);
    expect(h.transformer.probes, 'the skipped entry is not decoded again').to.equal(1);
  });

  it('refuses, with the reason, what an upload would refuse, and goes on with the rest', async () => {
    const h = createApplicationHarness({ maxUploadBytes: 10_000 });
    const good = uniqueId('imp');
    const taken = await h.seedOriginal(uniqueId('imp'), png);
    const entries: SourceEntry[] = [
      entry('bad.id', jpeg),
      entry(uniqueId('imp'), new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')),
      entry(uniqueId('imp'), new Uint8Array(20_000)),
      entry(taken.id, jpeg),
      { name: 'gone.jpg', id: uniqueId('imp'), read: () => Promise.reject(new SourceUnreadableError('cannot read gone.jpg (ENOENT)')) },
      entry(good, jpeg),
    ];

    const summary = await h.importOriginals.execute({ entries });

    expect(summary).to.deep.include({ imported: 1, skipped: 0, refused: 5 });
    expect(summary.refusals.map((r) => r.code)).to.deep.equal(['INVALID_ID', 'UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE', 'ORIGINAL_EXISTS', 'SOURCE_UNREADABLE']);
    expect(summary.refusals[2]!.reason).to.contain('uploads.maxBytes');
    expect(summary.refusals[3]!.reason).to.contain(`id ${taken.id} already has an original with other content`);
    expect(await h.index.findOriginal(taken.id)).to.deep.include({ version: taken.version });
    expect(await h.index.findOriginal(good)).to.not.equal(undefined);
  });

  it('replaces other content under the same id only when asked, purging the old version', async () => {
    const h = createApplicationHarness();
    const old = await h.seedOriginal(uniqueId('imp'), png);

    const summary = await h.importOriginals.execute({ entries: [entry(old.id, jpeg)], replace: true });
    await h.background.drain();

    expect(summary).to.deep.include({ imported: 1, replaced: 1 });
    expect(await h.index.findOriginal(old.id)).to.deep.include({ version: contentVersionOf(jpeg) });
    expect(await h.originals.get(old)).to.equal(undefined);
  });

  it('stores nothing in a dry run, yet probes and reports every entry', async () => {
    const h = createApplicationHarness();
    const id = uniqueId('imp');

    const summary = await h.importOriginals.execute({ entries: [entry(id, jpeg), entry('no/slash', jpeg)], dryRun: true });

    expect(summary).to.deep.include({ dryRun: true, imported: 1, refused: 1 });
    expect(h.transformer.probes).to.equal(1);
    expect(await h.index.findOriginal(id)).to.equal(undefined);
  });

  it('stops at a failure that concerns every entry (the index is down) and says so; a rerun resumes', async () => {
    const h = createApplicationHarness();
    const ids = [uniqueId('imp'), uniqueId('imp'), uniqueId('imp')];
    const outcomes: ImportOutcome[] = [];
    await h.importOriginals.execute({ entries: [entry(ids[0]!, jpeg)] });
    h.index.fail();

    await expectRejection(h.importOriginals.execute({ entries: ids.map((id) => entry(id, jpeg)), onOutcome: (o) => outcomes.push(o) }), IndexUnavailableError);
    expect(outcomes).to.deep.equal([]);

    h.index.recover();
    const resumed = await h.importOriginals.execute({ entries: ids.map((id) => entry(id, jpeg)), concurrency: 2 });
    expect(resumed).to.deep.include({ imported: 2, skipped: 1, refused: 0 });
  });

  it('a failure to list the source stops the import with that failure', async () => {
    const h = createApplicationHarness();
    async function* failing(): AsyncGenerator<SourceEntry> {
      yield entry(uniqueId('imp'), jpeg);
      throw new SourceUnreadableError('cannot read the folder /nowhere (ENOENT)');
    }

    const error = await expectRejection(h.importOriginals.execute({ entries: failing() }), SourceUnreadableError);
    expect(error.message).to.contain('/nowhere');
  });
});
