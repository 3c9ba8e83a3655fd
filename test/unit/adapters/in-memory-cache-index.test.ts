import { expect } from 'chai';
import { InMemoryCacheIndex } from '../../../src/adapters/in-memory/in-memory-cache-index.js';
import { IndexUnavailableError } from '../../../src/application/application-error.js';
import { describeCacheIndexContract } from '../../contract/cache-index.contract.js';
import { OriginalMother, RenditionRecordMother } from '../../support/original-mother.js';

describeCacheIndexContract(
  'InMemoryCacheIndex',
  async () => {
    const subject = new InMemoryCacheIndex();
    return {
      subject,
      cleanup: async () => {},
      simulateOutage: async () => subject.fail(),
    };
  },
  { modelRuns: 200 },
);

describe('InMemoryCacheIndex (fake-only behaviour)', () => {
  it('keeps its rows through a simulated outage, reports it, and serves them again after recover()', async () => {
    const index = new InMemoryCacheIndex();
    const original = OriginalMother.random();
    await index.saveOriginal(original, { replace: false });
    const cause = new Error('disk on fire');
    index.fail(cause);
    expect(index.failing).to.equal(true);
    const error = await index.findOriginal(original.id).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(IndexUnavailableError);
    expect((error as Error).cause).to.equal(cause);
    index.recover();
    expect(index.failing).to.equal(false);
    expect(await index.findOriginal(original.id)).to.deep.equal(original);
  });

  it('hands out copies: mutating a returned Date does not change the stored row', async () => {
    const index = new InMemoryCacheIndex();
    const record = RenditionRecordMother.random();
    await index.saveRendition(record);
    const expected = record.createdAt.getTime();
    record.createdAt.setTime(0);
    (await index.findRendition(record.key))?.createdAt.setTime(1);
    expect((await index.findRendition(record.key))?.createdAt.getTime()).to.equal(expected);
  });
});
