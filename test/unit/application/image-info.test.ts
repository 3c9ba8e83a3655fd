import { expect } from 'chai';
import { OriginalNotFoundError } from '../../../src/application/application-error.js';
import { RenderGate } from '../../../src/application/render-gate.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import type { ImageInfoDocument } from '../../../src/domain/image-info-document.js';
import { createApplicationHarness, type ApplicationHarness } from '../../support/application-harness.js';
import { gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

async function upload(h: ApplicationHarness, id: ImageId, bytes: Uint8Array, focalPoint?: { x: number; y: number }) {
  const { token } = await h.issueToken.execute({ id });
  return h.uploadOriginal.execute({ id, token, bytes, focalPoint });
}

async function documentOf(h: ApplicationHarness, id: ImageId): Promise<ImageInfoDocument> {
  const result = await h.getImageInfo.execute({ id });
  if (result.kind !== 'document') throw new Error(`expected a document, got ${result.kind}`);
  return JSON.parse(result.body) as ImageInfoDocument;
}

describe('image info and focal points (SPEC §9)', () => {
  let jpeg: Buffer;

  before(async () => {
    jpeg = await gradientJpeg(160, 90);
  });

  describe('UploadOriginal', () => {
    it('keeps a placeholder computed from the decode that proves the image, and the focal point it was given', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('info');
      const { original } = await upload(h, id, jpeg, { x: 0.2, y: 0.7 });
      expect(h.transformer.probes).to.equal(1);
      expect(original.placeholder?.blurhash).to.match(/^.{20,}$/);
      expect(Buffer.from(original.placeholder!.thumbhash, 'base64').length).to.be.within(5, 25);
      expect(original.focalPoint).to.deep.equal({ x: 0.2, y: 0.7 });
      expect(await h.index.findOriginal(id)).to.deep.equal(original);
    });
  });

  describe('ImportOriginals', () => {
    it('keeps the placeholder of an imported original from its one decode proof, as an upload does', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('info');
      await h.importOriginals.execute({ entries: [{ name: `${id}.jpg`, id, bytes: jpeg.length, read: async () => jpeg }] });
      expect(h.transformer.probes).to.equal(1);
      const stored = await h.index.findOriginal(id);
      expect(stored?.placeholder?.blurhash).to.match(/^.{20,}$/);
      expect(stored?.placeholder?.dominantColor).to.match(/^#[0-9a-f]{6}$/);
      expect(stored?.focalPoint).to.equal(undefined);
      const probes = h.transformer.probes;
      expect(await documentOf(h, id)).to.deep.include({ placeholder: stored!.placeholder });
      expect(h.transformer.probes).to.equal(probes);
    });
  });

  describe('GetImageInfo', () => {
    it('answers from the index row alone: no decode, an ETag, and not-modified for it', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('info');
      await upload(h, id, jpeg);
      const probes = h.transformer.probes;
      const first = await h.getImageInfo.execute({ id });
      expect(first.kind).to.equal('document');
      expect(await h.getImageInfo.execute({ id, ifNoneMatch: ['"other"', first.etag] })).to.deep.equal({ kind: 'not-modified', etag: first.etag });
      expect(h.transformer.probes).to.equal(probes);
      expect(await documentOf(h, id)).to.include({ id, width: 160, height: 90, format: 'jpeg', bytes: jpeg.length });
    });

    it('computes the placeholder of an original stored without one once, in a render slot, and keeps it', async () => {
      const gate = new RenderGate({ concurrency: 1, queueLimit: 4, timeoutMs: 15_000 });
      const h = createApplicationHarness({ gate });
      const id = uniqueId('old');
      const seeded = await h.seedOriginal(id, await quadrantPng(40, 20));
      expect(seeded.placeholder).to.equal(undefined);
      const [a, b] = await Promise.all([documentOf(h, id), documentOf(h, id)]);
      expect(a).to.deep.equal(b);
      expect(a.placeholder?.dominantColor).to.match(/^#[0-9a-f]{6}$/);
      expect(h.transformer.probes).to.equal(1);
      expect((await h.index.findOriginal(id))?.placeholder).to.deep.equal(a.placeholder);
      await documentOf(h, id);
      expect(h.transformer.probes).to.equal(1);
    });

    it('is NOT_FOUND for an unknown id', async () => {
      const h = createApplicationHarness();
      await expectRejection(h.getImageInfo.execute({ id: uniqueId('none') }), OriginalNotFoundError);
    });
  });

  describe('SetFocalPoint', () => {
    it('changes the identity of crops without gravity only, and purges the version’s stored renditions', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('focal');
      await upload(h, id, jpeg);
      const crop = h.request(`/${id}_40_40.png`, 'fit=crop');
      const clip = h.request(`/${id}_40_40.png`);
      const explicit = h.request(`/${id}_40_40.png`, 'fit=crop&gravity=center');
      const before = await Promise.all([crop, clip, explicit].map((request) => h.renditionOf(request)));
      expect(before[0]!.key).to.equal(before[2]!.key);
      await h.getRendition.execute({ request: crop, accepts: new Set(), delivery: 'proxy', ifNoneMatch: [] });
      await h.background.drain();
      expect(await h.index.listRenditions(id)).to.have.length(1);

      const etagBefore = (await h.getImageInfo.execute({ id })).etag;
      const updated = await h.setFocalPoint.execute({ id, focalPoint: { x: 0.9, y: 0.5 } });
      expect(updated.focalPoint).to.deep.equal({ x: 0.9, y: 0.5 });
      await h.background.drain();
      expect(await h.index.listRenditions(id)).to.deep.equal([]);
      expect(await h.cache.open(before[0]!.key)).to.equal(undefined);
      expect((await h.getImageInfo.execute({ id })).etag).to.not.equal(etagBefore);

      const after = await Promise.all([crop, clip, explicit].map((request) => h.renditionOf(request)));
      expect(after[0]!.key).to.not.equal(before[0]!.key);
      expect(after[1]!.key).to.equal(before[1]!.key);
      expect(after[2]!.key).to.equal(before[2]!.key);
    });

    it('setting the same point again changes and purges nothing; an unknown id is NOT_FOUND', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('focal');
      await upload(h, id, jpeg, { x: 0.5, y: 0.25 });
      await h.getRendition.execute({ request: h.request(`/${id}_30_30.png`, 'fit=crop'), accepts: new Set(), delivery: 'proxy', ifNoneMatch: [] });
      await h.background.drain();
      await h.setFocalPoint.execute({ id, focalPoint: { x: 0.5, y: 0.25 } });
      await h.background.drain();
      expect(await h.index.listRenditions(id)).to.have.length(1);
      await expectRejection(h.setFocalPoint.execute({ id: uniqueId('none'), focalPoint: { x: 0, y: 0 } }), OriginalNotFoundError);
    });
  });
});
