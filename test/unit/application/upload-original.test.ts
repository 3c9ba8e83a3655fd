import { expect } from 'chai';
import {
  IndexUnavailableError,
  OriginalExistsError,
  StoreUnavailableError,
  TokenRejectedError,
} from '../../../src/application/application-error.js';
import { UnsupportedImageError } from '../../../src/domain/domain-error.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { originalObjectKey } from '../../../src/domain/object-key.js';
import { contentVersionOf } from '../../../src/domain/original.js';
import { Token } from '../../../src/domain/token.js';
import { createApplicationHarness, type ApplicationHarness } from '../../support/application-harness.js';
import { gradientJpeg, quadrantPng, solidJpeg } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { uniqueId } from '../../support/unique-id.js';

async function rejectedToken(promise: Promise<unknown>): Promise<TokenRejectedError['reason']> {
  return (await expectRejection(promise, TokenRejectedError)).reason;
}

describe('UploadOriginal', () => {
  let jpeg: Buffer;
  let png: Buffer;

  before(async () => {
    jpeg = await gradientJpeg(32, 24);
    png = await quadrantPng(20, 10);
  });

  async function tokenFor(h: ApplicationHarness, id: ImageId): Promise<string> {
    return (await h.issueToken.execute({ id })).token;
  }

  describe('with a valid token', () => {
    it('stores the bytes unchanged, records the original and uses the token up', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      const token = await tokenFor(h, id);

      const { original, replaced } = await h.uploadOriginal.execute({ id, token, bytes: jpeg });

      expect(replaced).to.equal(false);
      expect(original).to.include({ id, version: contentVersionOf(jpeg), format: 'jpeg', width: 32, height: 24, pages: 1, bytes: jpeg.length });
      expect(Buffer.from((await h.originals.get(original))!)).to.deep.equal(jpeg);
      expect(h.originals.contentTypeOf(original)).to.equal('image/jpeg');
      expect(await h.index.findOriginal(id)).to.deep.include({ id, version: original.version, width: 32, height: 24 });
      expect((await h.tokens.find(Token.hashOf(token)))?.usedAt).to.not.equal(undefined);
    });
  });

  describe('token checks', () => {
    it('a token works once: the second upload with it is rejected as used', async () => {
      const h = createApplicationHarness({ allowOverwrite: true });
      const id = uniqueId('up');
      const token = await tokenFor(h, id);
      await h.uploadOriginal.execute({ id, token, bytes: jpeg });

      expect(await rejectedToken(h.uploadOriginal.execute({ id, token, bytes: png }))).to.equal('used');
      expect((await h.index.findOriginal(id))?.version).to.equal(contentVersionOf(jpeg));
      expect(h.originals.puts).to.equal(1);
    });

    it('an expired token is rejected, one that is about to expire is accepted', async () => {
      const h = createApplicationHarness({ tokenTtlSeconds: 60 });
      const early = uniqueId('up');
      const late = uniqueId('up');
      const earlyToken = await tokenFor(h, early);
      const lateToken = await tokenFor(h, late);

      h.clock.advanceSeconds(59.999);
      await h.uploadOriginal.execute({ id: early, token: earlyToken, bytes: jpeg });
      h.clock.advanceSeconds(0.001);
      expect(await rejectedToken(h.uploadOriginal.execute({ id: late, token: lateToken, bytes: jpeg }))).to.equal('expired');
      expect(await h.index.findOriginal(late)).to.equal(undefined);
    });

    it('a token issued for another id is rejected and stays usable for its own id', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      const token = await tokenFor(h, id);

      expect(await rejectedToken(h.uploadOriginal.execute({ id: uniqueId('other'), token, bytes: jpeg }))).to.equal('wrong-id');
      expect(h.originals.puts).to.equal(0);
      await h.uploadOriginal.execute({ id, token, bytes: jpeg });
    });

    it('an unknown, empty or missing token is rejected', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      await tokenFor(h, id);
      const unknown = Buffer.alloc(16, 7).toString('base64url');

      for (const token of [unknown, '', undefined]) {
        expect(await rejectedToken(h.uploadOriginal.execute({ id, token, bytes: jpeg }))).to.equal('unknown');
      }
      expect(h.originals.puts).to.equal(0);
      expect(await h.index.findOriginal(id)).to.equal(undefined);
    });

    it('the rejection message is the same for every reason', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      const token = await tokenFor(h, id);
      const wrongId = await expectRejection(h.uploadOriginal.execute({ id: uniqueId('x'), token, bytes: jpeg }), TokenRejectedError);
      const unknown = await expectRejection(h.uploadOriginal.execute({ id, token: 'nope', bytes: jpeg }), TokenRejectedError);
      expect(wrongId.message).to.equal(unknown.message);
    });
  });

  describe('failed uploads', () => {
    it('bytes that are not an accepted image are refused before the token is claimed', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      const token = await tokenFor(h, id);
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');

      await expectRejection(h.uploadOriginal.execute({ id, token, bytes: svg }), UnsupportedImageError);
      await expectRejection(h.uploadOriginal.execute({ id, token, bytes: Buffer.from('not an image at all') }), UnsupportedImageError);
      expect((await h.tokens.find(Token.hashOf(token)))?.usedAt).to.equal(undefined);
      expect(h.originals.puts).to.equal(0);

      await h.uploadOriginal.execute({ id, token, bytes: jpeg });
    });

    it('an original store outage releases the token and leaves no index row', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      const token = await tokenFor(h, id);

      h.originals.fail();
      await expectRejection(h.uploadOriginal.execute({ id, token, bytes: jpeg }), StoreUnavailableError);
      expect(await h.index.findOriginal(id)).to.equal(undefined);
      expect((await h.tokens.find(Token.hashOf(token)))?.usedAt).to.equal(undefined);

      h.originals.recover();
      expect(h.originals.keys()).to.deep.equal([]);
      const { original } = await h.uploadOriginal.execute({ id, token, bytes: jpeg });
      expect(h.originals.keys()).to.deep.equal([originalObjectKey(original)]);
    });

    it('an index failure after the object was stored removes the object again and releases the token', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('up');
      const token = await tokenFor(h, id);
      const saveOriginal = h.index.saveOriginal.bind(h.index);
      h.index.saveOriginal = () => Promise.reject(new IndexUnavailableError('the index went away mid-upload'));

      await expectRejection(h.uploadOriginal.execute({ id, token, bytes: jpeg }), IndexUnavailableError);
      expect(h.originals.keys(), 'no unreferenced original left behind').to.deep.equal([]);
      expect((await h.tokens.find(Token.hashOf(token)))?.usedAt).to.equal(undefined);

      h.index.saveOriginal = saveOriginal;
      await h.uploadOriginal.execute({ id, token, bytes: jpeg });
      expect((await h.index.findOriginal(id))?.version).to.equal(contentVersionOf(jpeg));
    });
  });

  describe('re-uploading an existing id', () => {
    it('is refused with OriginalExistsError when overwriting is not allowed; the token stays unused', async () => {
      const h = createApplicationHarness({ allowOverwrite: false });
      const id = uniqueId('up');
      const first = await tokenFor(h, id);
      const second = await tokenFor(h, id);
      const { original } = await h.uploadOriginal.execute({ id, token: first, bytes: jpeg });

      await expectRejection(h.uploadOriginal.execute({ id, token: second, bytes: png }), OriginalExistsError);
      expect((await h.index.findOriginal(id))?.version).to.equal(original.version);
      expect(h.originals.keys()).to.deep.equal([originalObjectKey(original)]);
      expect((await h.tokens.find(Token.hashOf(second)))?.usedAt).to.equal(undefined);
    });

    it('with overwriting allowed replaces the original and purges the old version in the background', async () => {
      const h = createApplicationHarness({ allowOverwrite: true });
      const id = uniqueId('up');
      const other = uniqueId('keep');
      const { original: old } = await h.uploadOriginal.execute({ id, token: await tokenFor(h, id), bytes: jpeg });
      const { original: kept } = await h.uploadOriginal.execute({ id: other, token: await tokenFor(h, other), bytes: jpeg });
      for (const path of [`/${id}_16_12.png`, `/${id}_8_6.webp`, `/${other}_16_12.png`]) {
        await h.getRendition.execute({ request: h.request(path), accepts: new Set(), delivery: 'proxy' });
      }
      await h.background.drain();
      expect((await h.index.listRenditions(id)).map((r) => r.originalVersion)).to.deep.equal([old.version, old.version]);

      const { original: fresh, replaced } = await h.uploadOriginal.execute({ id, token: await tokenFor(h, id), bytes: png });
      expect(replaced).to.equal(true);
      expect((await h.index.findOriginal(id))?.version).to.equal(fresh.version);
      await h.background.drain();

      expect(await h.originals.get(old)).to.equal(undefined);
      expect(await h.originals.get(fresh)).to.not.equal(undefined);
      expect(await h.index.listRenditions(id)).to.deep.equal([]);
      expect(h.cache.keys().filter((key) => key.startsWith(`${id}/`))).to.deep.equal([]);
      expect(await h.originals.get(kept)).to.not.equal(undefined);
      expect(h.cache.keys().filter((key) => key.startsWith(`${other}/`))).to.have.length(1);
      expect(await h.index.listRenditions(other)).to.have.length(1);
      expect(h.logger.at('error')).to.deep.equal([]);
    });

    it('with overwriting allowed, uploading identical bytes again keeps the object and the renditions', async () => {
      const h = createApplicationHarness({ allowOverwrite: true });
      const id = uniqueId('up');
      const { original } = await h.uploadOriginal.execute({ id, token: await tokenFor(h, id), bytes: jpeg });
      await h.getRendition.execute({ request: h.request(`/${id}_16_12.png`), accepts: new Set(), delivery: 'proxy' });
      await h.background.drain();

      const again = await h.uploadOriginal.execute({ id, token: await tokenFor(h, id), bytes: jpeg });
      await h.background.drain();
      expect(again.replaced).to.equal(true);
      expect(await h.originals.get(original)).to.not.equal(undefined);
      expect(await h.index.listRenditions(id)).to.have.length(1);
    });
  });

  describe('two concurrent uploads of one id without overwrite', () => {
    for (const sameBytes of [false, true]) {
      it(`exactly one wins and the loser leaves no object behind (${sameBytes ? 'identical' : 'different'} bytes)`, async () => {
        const h = createApplicationHarness({ allowOverwrite: false });
        const id = uniqueId('race');
        const tokens = [await tokenFor(h, id), await tokenFor(h, id)];
        const contents = [jpeg, sameBytes ? jpeg : await solidJpeg(12, 12)];

        // Both probes finish before either upload goes on, so both see "no original yet" and both write.
        h.transformer.holdProbes();
        const uploads = tokens.map((token, i) => h.uploadOriginal.execute({ id, token, bytes: contents[i]! }));
        await h.transformer.probesFinished(2);
        h.transformer.releaseProbes();
        const results = await Promise.allSettled(uploads);

        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).to.have.length(1);
        expect(lost).to.have.length(1);
        expect((lost[0] as PromiseRejectedResult).reason).to.be.instanceOf(OriginalExistsError);
        const winner = (won[0] as PromiseFulfilledResult<{ original: { version: string } }>).value.original;
        expect((await h.index.findOriginal(id))?.version).to.equal(winner.version);
        expect(h.originals.keys()).to.deep.equal([`${id}/${winner.version}`]);
        expect(h.originals.puts, 'both uploads reached the store').to.equal(2);

        const loserToken = tokens[results.indexOf(lost[0]!)]!;
        expect((await h.tokens.find(Token.hashOf(loserToken)))?.usedAt, 'loser token released').to.equal(undefined);
      });
    }
  });
});
