import { expect } from 'chai';
import sharp from 'sharp';
import { OriginalNotFoundError, StoreUnavailableError } from '../../../src/application/application-error.js';
import { DeleteImage } from '../../../src/application/use-cases/delete-image.js';
import type { GetRenditionInput, GetRenditionOutput } from '../../../src/application/use-cases/get-rendition.js';
import type { OutputFormat } from '../../../src/domain/image-format.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { createApplicationHarness, type ApplicationHarness, type HarnessOptions } from '../../support/application-harness.js';
import { settle } from '../../support/gate.js';
import { alphaPng, animatedGif, gradientJpeg, quadrantPng } from '../../support/image-fixtures.js';
import { expectRejection } from '../../support/rejection.js';
import { readAll } from '../../support/storage-fixtures.js';
import { uniqueId } from '../../support/unique-id.js';

const PUBLIC_BASE_URL = 'https://cdn.example.test/renditions/';

type Kind = GetRenditionOutput['kind'];

function expectKind<K extends Kind>(output: GetRenditionOutput, kind: K): Extract<GetRenditionOutput, { kind: K }> {
  expect(output.kind).to.equal(kind);
  return output as Extract<GetRenditionOutput, { kind: K }>;
}

describe('GetRendition', () => {
  let jpeg: Buffer;
  let png: Buffer;

  before(async () => {
    jpeg = await gradientJpeg(64, 48);
    png = await quadrantPng(40, 20);
  });

  async function world(options: HarnessOptions = {}): Promise<{ h: ApplicationHarness; id: ImageId }> {
    const h = createApplicationHarness(options);
    const id = uniqueId('img');
    await h.seedOriginal(id, jpeg);
    return { h, id };
  }

  function input(h: ApplicationHarness, path: string, overrides: Partial<GetRenditionInput> = {}): GetRenditionInput {
    const [pathname, query = ''] = path.split('?') as [string, string?];
    return { request: h.request(pathname, query), accepts: new Set(), delivery: 'redirect', ...overrides };
  }

  describe('a miss', () => {
    it('renders the exact geometry, answers at once, stores object then row in the background, then hits', async () => {
      const { h, id } = await world({ publicBaseUrl: PUBLIC_BASE_URL });

      const first = expectKind(await h.getRendition.execute(input(h, `/${id}_30_30.png?fit=crop`)), 'rendered');
      expect(first.coalesced).to.equal(false);
      expect(first.negotiated).to.equal(false);
      expect(first.rendition.spec.geometry.output).to.deep.equal({ width: 30, height: 30 });
      expect({ width: first.image.width, height: first.image.height }).to.deep.equal({ width: 30, height: 30 });
      const metadata = await sharp(first.image.bytes).metadata();
      expect([metadata.format, metadata.width, metadata.height]).to.deep.equal(['png', 30, 30]);

      await h.background.drain();
      const key = first.rendition.key;
      expect(h.cache.keys()).to.deep.equal([key]);
      expect(await h.index.findRendition(key)).to.deep.include({ key, originalId: id, format: 'png', width: 30, height: 30, bytes: first.image.bytes.length });

      const second = expectKind(await h.getRendition.execute(input(h, `/${id}_30_30.png?fit=crop`)), 'redirect');
      expect(second.url).to.equal(PUBLIC_BASE_URL + key);
      expect(second.expiresAt).to.equal(undefined);
      expect(second.rendition.etag).to.equal(first.rendition.etag);

      const streamed = expectKind(await h.getRendition.execute(input(h, `/${id}_30_30.png?fit=crop`, { delivery: 'proxy' })), 'stream');
      expect(streamed.object.contentType).to.equal('image/png');
      expect(Buffer.from(await readAll(streamed.object.body))).to.deep.equal(Buffer.from(first.image.bytes));
      expect(h.transformer.renders).to.equal(1);
    });

    it('streams a hit when the cache has no public URL, even if a redirect was asked for', async () => {
      const { h, id } = await world();
      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_16_0.webp`)), 'rendered');
      expect(rendered.rendition.spec.geometry.output).to.deep.equal({ width: 16, height: 12 });
      await h.background.drain();

      const hit = expectKind(await h.getRendition.execute(input(h, `/${id}_16_0.webp`)), 'stream');
      expect(hit.object.size).to.equal(rendered.image.bytes.length);
      expect(Buffer.from(await readAll(hit.object.body))).to.deep.equal(Buffer.from(rendered.image.bytes));
    });

    it('an unknown id is OriginalNotFoundError, and nothing is rendered', async () => {
      const { h } = await world();
      await expectRejection(h.getRendition.execute(input(h, `/${uniqueId('missing')}_10_10.jpg`)), OriginalNotFoundError);
      expect(h.transformer.renders).to.equal(0);
    });
  });

  describe('coalescing', () => {
    it('16 identical concurrent misses make exactly one render; 15 answers are coalesced', async () => {
      const { h, id } = await world();
      h.transformer.hold();
      const requests = Array.from({ length: 16 }, () => h.getRendition.execute(input(h, `/${id}_20_15.jpg`)));
      await h.transformer.rendersStarted(1);
      await settle();
      h.transformer.release();
      const answers = (await Promise.all(requests)).map((answer) => expectKind(answer, 'rendered'));

      expect(h.transformer.renders).to.equal(1);
      expect(answers.filter((a) => a.coalesced)).to.have.length(15);
      for (const answer of answers) expect(Buffer.from(answer.image.bytes)).to.deep.equal(Buffer.from(answers[0]!.image.bytes));
      await h.background.drain();
      expect(h.cache.puts).to.equal(1);
    });

    it('a failed render is shared by the waiting requests, not remembered: the next request renders afresh', async () => {
      const { h, id } = await world();
      const original = (await h.index.findOriginal(id))!;
      await h.originals.delete(original);
      const failures = await Promise.allSettled([1, 2, 3].map(() => h.getRendition.execute(input(h, `/${id}_20_15.jpg`))));
      for (const failure of failures) {
        expect(failure.status).to.equal('rejected');
        expect((failure as PromiseRejectedResult).reason).to.be.instanceOf(OriginalNotFoundError);
      }
      expect(h.logger.at('error').map((e) => e.message)).to.deep.equal(['indexed original has no object']);

      await h.originals.put(original, jpeg, 'image/jpeg');
      expect(expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered').coalesced).to.equal(false);
      expect(h.transformer.renders).to.equal(1);
    });

    it('different renditions of one original are not coalesced', async () => {
      const { h, id } = await world();
      const answers = await Promise.all([`/${id}_20_15.jpg`, `/${id}_24_18.jpg`, `/${id}_20_15.png`].map((p) => h.getRendition.execute(input(h, p))));
      expect(answers.map((a) => expectKind(a, 'rendered').coalesced)).to.deep.equal([false, false, false]);
      expect(h.transformer.renders).to.equal(3);
    });

    it('a request arriving while the background store is still pending is coalesced, not rendered again', async () => {
      const { h, id } = await world();
      h.cache.putGate.close();
      const first = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await settle();
      expect(h.cache.putsStarted).to.equal(1);

      const second = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      expect(second.coalesced).to.equal(true);
      expect(h.transformer.renders).to.equal(1);

      h.cache.putGate.open();
      await h.background.drain();
      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'stream');
      expect(first.rendition.key).to.equal(second.rendition.key);
    });
  });

  describe('storing in the background', () => {
    it('writes the index row only after the object is stored', async () => {
      const { h, id } = await world();
      h.cache.putGate.close();
      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await settle();
      expect(h.cache.putsStarted).to.equal(1);
      expect(await h.index.findRendition(rendered.rendition.key)).to.equal(undefined);

      h.cache.putGate.open();
      await h.background.drain();
      expect(await h.index.findRendition(rendered.rendition.key)).to.not.equal(undefined);
    });

    it('a failing cache write is logged, writes no row, the client still gets its image, and the next request renders again', async () => {
      const { h, id } = await world();
      h.cache.fail(new Error('disk on fire'));

      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      expect((await sharp(rendered.image.bytes).metadata()).width).to.equal(20);
      await h.background.drain();

      expect(await h.index.findRendition(rendered.rendition.key)).to.equal(undefined);
      const errors = h.logger.at('error');
      expect(errors).to.have.length(1);
      expect(errors[0]!.message).to.include(rendered.rendition.key);
      expect(errors[0]!.fields.err).to.be.instanceOf(StoreUnavailableError);

      h.cache.recover();
      const again = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      expect(again.coalesced).to.equal(false);
      expect(h.transformer.renders).to.equal(2);
      await h.background.drain();
      expect(await h.index.findRendition(rendered.rendition.key)).to.not.equal(undefined);
      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'stream');
    });

    it('an index outage after the object was stored is logged; the next request renders and stores again', async () => {
      const { h, id } = await world();
      h.cache.putGate.close();
      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await settle();
      h.index.fail();
      h.cache.putGate.open();
      await h.background.drain();
      h.index.recover();

      expect(h.cache.keys()).to.deep.equal([rendered.rendition.key]);
      expect(await h.index.findRendition(rendered.rendition.key)).to.equal(undefined);
      expect(h.logger.at('error')).to.have.length(1);
      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await h.background.drain();
      expect(await h.index.findRendition(rendered.rendition.key)).to.not.equal(undefined);
    });

    it('a stored rendition truncated behind its back is not streamed: rendered again, and the damaged object replaced', async () => {
      const { h, id } = await world();
      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await h.background.drain();
      const key = rendered.rendition.key;
      await h.cache.put(key, rendered.image.bytes.subarray(0, 100), rendered.rendition.contentType); // behind the service's back

      const again = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { delivery: 'proxy' })), 'rendered');
      expect(Buffer.from(again.image.bytes).equals(Buffer.from(rendered.image.bytes))).to.equal(true);
      expect(h.logger.at('warn').map((e) => [e.message, e.fields.bytes, e.fields.expected])).to.deep.equal([
        ['stored rendition is not the size its index row recorded; rendering again', 100, rendered.image.bytes.length],
      ]);
      await h.background.drain();
      const hit = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { delivery: 'proxy' })), 'stream');
      expect(Buffer.from(await readAll(hit.object.body)).equals(Buffer.from(rendered.image.bytes))).to.equal(true);
    });

    it('an index row whose object was removed behind its back is forgotten and the rendition rendered again', async () => {
      const { h, id } = await world();
      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await h.background.drain();
      await h.cache.purge(`${id}/`);

      const again = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { delivery: 'proxy' })), 'rendered');
      expect(again.coalesced).to.equal(false);
      expect(h.transformer.renders).to.equal(2);
      expect(h.logger.at('warn').map((e) => e.fields.key)).to.deep.equal([rendered.rendition.key]);
      await h.background.drain();
      expect(h.cache.keys()).to.deep.equal([rendered.rendition.key]);
      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { delivery: 'proxy' })), 'stream');
    });
  });

  describe('an original deleted or replaced while its rendition is in flight (issue 10.6)', () => {
    async function leftovers(h: ApplicationHarness, id: ImageId) {
      return { objects: h.cache.keys().filter((key) => key.startsWith(`${id}/`)), rows: await h.index.listRenditions(id) };
    }

    it('a DELETE while the background store is pending: nothing is left in the cache or the index', async () => {
      const { h, id } = await world();
      h.cache.putGate.close();
      const rendered = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await settle();
      expect(h.cache.putsStarted).to.equal(1);

      await new DeleteImage(h.index, h.originals, h.cache).execute({ id });
      h.cache.putGate.open();
      await h.background.drain();

      expect(await leftovers(h, id)).to.deep.equal({ objects: [], rows: [] });
      expect(await h.index.findRendition(rendered.rendition.key)).to.equal(undefined);
      expect(h.logger.at('info').map((entry) => entry.message)).to.include('original deleted or replaced while its rendition was rendered; withdrawing the rendition');
    });

    it('a DELETE while the render itself runs: the client gets its image, nothing is left behind', async () => {
      const { h, id } = await world();
      h.transformer.hold();
      const answer = h.getRendition.execute(input(h, `/${id}_20_15.jpg`));
      await h.transformer.rendersStarted(1);
      await new DeleteImage(h.index, h.originals, h.cache).execute({ id });
      h.transformer.release();
      expectKind(await answer, 'rendered');
      await h.background.drain();
      expect(await leftovers(h, id)).to.deep.equal({ objects: [], rows: [] });
    });

    it('an overwrite while the store is pending withdraws the old version\'s rendition and keeps the new version\'s', async () => {
      const { h, id } = await world({ allowOverwrite: true });
      h.cache.putGate.close();
      const old = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      await settle();
      const { token } = await h.issueToken.execute({ id });
      await h.uploadOriginal.execute({ id, token, bytes: png });
      h.cache.putGate.open();
      await h.background.drain();
      expect(await leftovers(h, id)).to.deep.equal({ objects: [], rows: [] });

      const fresh = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`)), 'rendered');
      expect(fresh.rendition.key).to.not.equal(old.rendition.key);
      await h.background.drain();
      expect((await leftovers(h, id)).objects).to.deep.equal([fresh.rendition.key]);
      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { delivery: 'proxy' })), 'stream');
    });
  });

  describe('options that cannot change the output (issues 10.7, 12.4)', () => {
    it('?bg=000001 and ?bg=000002 on an opaque original: one render, one stored rendition, the second a hit', async () => {
      const { h, id } = await world();
      for (const format of ['png', 'jpg']) {
        const first = expectKind(await h.getRendition.execute(input(h, `/${id}_32_32.${format}?bg=000001`)), 'rendered');
        await h.background.drain();
        const second = expectKind(await h.getRendition.execute(input(h, `/${id}_32_32.${format}?bg=000002`, { delivery: 'proxy' })), 'stream');
        expect(second.rendition.key).to.equal(first.rendition.key);
      }
      expect(h.transformer.renders).to.equal(2);
      expect(h.cache.keys()).to.have.length(2);
    });

    it('on a transparent PNG the colour shows in a JPEG: two renditions that differ; in a PNG it does not: one', async () => {
      const h = createApplicationHarness();
      const id = uniqueId('alpha');
      await h.seedOriginal(id, await alphaPng(40, 30));
      const jpegs = [];
      for (const bg of ['000001', 'ff0000']) {
        jpegs.push(expectKind(await h.getRendition.execute(input(h, `/${id}_40_30.jpg?bg=${bg}`)), 'rendered'));
        await h.background.drain();
      }
      expect(jpegs[0]!.rendition.key).to.not.equal(jpegs[1]!.rendition.key);
      expect(Buffer.from(jpegs[0]!.image.bytes).equals(Buffer.from(jpegs[1]!.image.bytes))).to.equal(false);

      const png = expectKind(await h.getRendition.execute(input(h, `/${id}_40_30.png?bg=000001`)), 'rendered');
      await h.background.drain();
      expectKind(await h.getRendition.execute(input(h, `/${id}_40_30.png?bg=ff0000`, { delivery: 'proxy' })), 'stream');
      expect(h.cache.keys().sort()).to.deep.equal([jpegs[0]!.rendition.key, jpegs[1]!.rendition.key, png.rendition.key].sort());
    });

    it('boxes that give the same output share a rendition: /id_32_32 and /id_32_24 of a 4:3 original', async () => {
      const { h, id } = await world();
      const first = expectKind(await h.getRendition.execute(input(h, `/${id}_32_32.png`)), 'rendered');
      await h.background.drain();
      const second = expectKind(await h.getRendition.execute(input(h, `/${id}_32_24.png?fit=cover`, { delivery: 'proxy' })), 'stream');
      expect(second.rendition.key).to.equal(first.rendition.key);
      expect(h.transformer.renders).to.equal(1);
    });
  });

  describe('If-None-Match', () => {
    it('answers not-modified for the rendition etag (strong, weak or *) without rendering or opening anything', async () => {
      const { h, id } = await world();
      const rendition = await h.renditionOf(h.request(`/${id}_20_15.jpg`));

      for (const tag of [rendition.etag, `W/${rendition.etag}`, '*']) {
        const answer = await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { ifNoneMatch: ['"other"', tag] }));
        expect(expectKind(answer, 'not-modified').rendition.etag).to.equal(rendition.etag);
      }
      expect(h.transformer.renders).to.equal(0);
      expect(h.cache.opens).to.equal(0);

      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { ifNoneMatch: ['"other"'] })), 'rendered');
    });

    it('an etag of another size or an older version of the original does not match', async () => {
      const { h, id } = await world();
      const rendition = await h.renditionOf(h.request(`/${id}_20_15.jpg`));
      expectKind(await h.getRendition.execute(input(h, `/${id}_24_18.jpg`, { ifNoneMatch: [rendition.etag] })), 'rendered');

      await h.seedOriginal(id, png);
      expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.jpg`, { ifNoneMatch: [rendition.etag] })), 'rendered');
    });
  });

  describe('format negotiation', () => {
    const both = new Set<OutputFormat>(['avif', 'webp']);

    async function negotiated(options: HarnessOptions, path: string, accepts: ReadonlySet<OutputFormat>) {
      const { h, id } = await world(options);
      const answer = expectKind(await h.getRendition.execute(input(h, `/${id}${path}`, { accepts })), 'rendered');
      const format = (await sharp(answer.image.bytes).metadata()).format;
      return { format: answer.rendition.spec.format, negotiated: answer.negotiated, decoded: format, key: answer.rendition.key };
    }

    it('?auto=format picks AVIF when the client accepts it', async () => {
      const result = await negotiated({}, '_20_15.jpg?auto=format', both);
      expect(result).to.include({ format: 'avif', negotiated: true, decoded: 'heif' });
      expect(result.key).to.match(/\.avif$/);
    });

    it('?auto=format picks WebP when the client accepts only WebP', async () => {
      expect(await negotiated({}, '_20_15.png?auto=format', new Set(['webp']))).to.include({ format: 'webp', negotiated: true, decoded: 'webp' });
    });

    it('falls back to WebP above avifMaxPixels', async () => {
      const settings = { render: { avifMaxPixels: 20 * 15 - 1 } };
      expect(await negotiated(settings, '_20_15.jpg?auto=format', both)).to.include({ format: 'webp', negotiated: true });
      expect(await negotiated(settings, '_19_15.jpg?auto=format', both)).to.include({ format: 'avif', negotiated: true });
    });

    it('keeps the requested format where the WebP would be refused by the cost model: an animation keeps all its frames in WebP', async () => {
      // 40 frames of 20x15 as an animated WebP: ≈ 82 ms by the cost model; the PNG asked for is one frame.
      const { h, id } = await world({ render: { budget: { timeoutMs: 100, avifEffort: 0, webpEffort: 4 } } });
      await h.seedOriginal(id, await animatedGif(20, 15, 40));
      const answer = expectKind(await h.getRendition.execute(input(h, `/${id}_20_15.png?auto=format`, { accepts: new Set(['webp']) })), 'rendered');
      expect([answer.rendition.spec.format, answer.negotiated]).to.deep.equal(['png', true]);
      // With room for it, the same request gets the animated WebP.
      const roomy = await world({ render: { budget: { timeoutMs: 1000, avifEffort: 0, webpEffort: 4 } } });
      await roomy.h.seedOriginal(roomy.id, await animatedGif(20, 15, 40));
      const webp = expectKind(await roomy.h.getRendition.execute(input(roomy.h, `/${roomy.id}_20_15.png?auto=format`, { accepts: new Set(['webp']) })), 'rendered');
      expect([webp.rendition.spec.format, (await sharp(webp.image.bytes, { pages: -1 }).metadata()).pages]).to.deep.equal(['webp', 40]);
    });

    it('keeps the requested format when the client accepts neither, but still reports the answer as negotiated', async () => {
      expect(await negotiated({}, '_20_15.jpg?auto=format', new Set())).to.include({ format: 'jpeg', negotiated: true, decoded: 'jpeg' });
    });

    it('negotiates without ?auto=format when the service is configured to', async () => {
      expect(await negotiated({ render: { negotiate: true } }, '_20_15.jpg', both)).to.include({ format: 'avif', negotiated: true });
      expect(await negotiated({ render: { negotiate: false } }, '_20_15.jpg', both)).to.include({ format: 'jpeg', negotiated: false });
    });

    it('never negotiates away an explicitly modern or special format', async () => {
      expect(await negotiated({ render: { negotiate: true } }, '_20_15.webp?auto=format', both)).to.include({ format: 'webp', negotiated: false });
      expect(await negotiated({ render: { negotiate: true } }, '_20_15.gif?auto=format', both)).to.include({ format: 'gif', negotiated: false });
    });
  });
});
