import { expect } from 'chai';
import { OriginalNotFoundError, StoreUnavailableError } from '../../../src/application/application-error.js';
import { DeleteImage } from '../../../src/application/use-cases/delete-image.js';
import { originalObjectKey } from '../../../src/domain/object-key.js';
import { createApplicationHarness, type ApplicationHarness } from '../../support/application-harness.js';
import { gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

describe('DeleteImage', () => {
  let jpeg: Buffer;
  let png: Buffer;

  before(async () => {
    jpeg = await gradientJpeg(40, 30);
    png = await quadrantPng(20, 20);
  });

  async function withRenditions(h: ApplicationHarness, bytes: Uint8Array, paths: readonly string[]) {
    const id = uniqueId('del');
    const original = await h.seedOriginal(id, bytes);
    for (const path of paths) {
      const [pathname, query = ''] = path.split('?') as [string, string?];
      await h.getRendition.execute({ request: h.request(`/${id}${pathname}`, query), accepts: new Set(), delivery: 'proxy' });
    }
    await h.background.drain();
    return { id, original };
  }

  it('removes the original object, every rendition object and every index row of the id, and nothing else', async () => {
    const h = createApplicationHarness();
    const deleteImage = new DeleteImage(h.index, h.originals, h.cache);
    const doomed = await withRenditions(h, jpeg, ['_10_10.jpg', '_20_0.png', '_8_8.webp?fit=crop']);
    const kept = await withRenditions(h, png, ['_10_10.jpg']);
    expect(h.cache.keys()).to.have.length(4);
    expect(await h.index.listRenditions(doomed.id)).to.have.length(3);

    await deleteImage.execute({ id: doomed.id });

    expect(await h.index.findOriginal(doomed.id)).to.equal(undefined);
    expect(await h.index.listRenditions(doomed.id)).to.deep.equal([]);
    expect(await h.originals.get(doomed.original)).to.equal(undefined);
    expect(h.cache.keys().filter((key) => key.startsWith(`${doomed.id}/`))).to.deep.equal([]);

    expect(await h.index.findOriginal(kept.id)).to.not.equal(undefined);
    expect(await h.index.listRenditions(kept.id)).to.have.length(1);
    expect(h.originals.keys()).to.deep.equal([originalObjectKey(kept.original)]);
    expect(h.cache.keys()).to.have.length(1);
  });

  it('after a delete the id is unknown to GetRendition and a second delete is OriginalNotFoundError', async () => {
    const h = createApplicationHarness();
    const deleteImage = new DeleteImage(h.index, h.originals, h.cache);
    const { id } = await withRenditions(h, jpeg, ['_10_10.jpg']);
    await deleteImage.execute({ id });

    await expectRejection(h.getRendition.execute({ request: h.request(`/${id}_10_10.jpg`), accepts: new Set(), delivery: 'proxy' }), OriginalNotFoundError);
    await expectRejection(deleteImage.execute({ id }), OriginalNotFoundError);
  });

  it('an unknown id is OriginalNotFoundError and touches no store', async () => {
    const h = createApplicationHarness();
    const deleteImage = new DeleteImage(h.index, h.originals, h.cache);
    await expectRejection(deleteImage.execute({ id: uniqueId('nobody') }), OriginalNotFoundError);
    expect(h.cache.purges).to.equal(0);
    expect(h.originals.deletes).to.equal(0);
  });

  it('rows go first: a cache outage during the delete leaves objects behind, never a row pointing at nothing', async () => {
    const h = createApplicationHarness();
    const deleteImage = new DeleteImage(h.index, h.originals, h.cache);
    const { id, original } = await withRenditions(h, jpeg, ['_10_10.jpg']);

    h.cache.fail();
    await expectRejection(deleteImage.execute({ id }), StoreUnavailableError);
    h.cache.recover();

    expect(await h.index.findOriginal(id)).to.equal(undefined);
    expect(await h.index.listRenditions(id)).to.deep.equal([]);
    expect(await h.originals.get(original)).to.not.equal(undefined);
  });
});
