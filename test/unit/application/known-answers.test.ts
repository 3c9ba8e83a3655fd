import { expect } from 'chai';
import { InMemoryCacheIndex } from '../../../src/adapters/in-memory/in-memory-cache-index.js';
import { InMemoryOriginalStore } from '../../../src/adapters/in-memory/in-memory-original-store.js';
import { InMemoryRenditionCache } from '../../../src/adapters/in-memory/in-memory-rendition-cache.js';
import { HashPlaceholderEncoder } from '../../../src/adapters/placeholder/hash-placeholder-encoder.js';
import { SharpTransformer } from '../../../src/adapters/sharp/sharp-transformer.js';
import { BackgroundTasks } from '../../../src/application/background-tasks.js';
import { CachingCacheIndex } from '../../../src/application/caching-cache-index.js';
import { MemoryRenditionCache } from '../../../src/application/memory-rendition-cache.js';
import { GetImageInfo } from '../../../src/application/use-cases/get-image-info.js';
import { GetRendition, type GetRenditionInput } from '../../../src/application/use-cases/get-rendition.js';
import { ImageRequest } from '../../../src/domain/image-request.js';
import { contentVersionOf, type OriginalMetadata } from '../../../src/domain/original.js';
import { RENDER_SETTINGS } from '../../support/application-harness.js';
import { gradientJpeg } from '../../support/image-fixtures.js';
import { ManualClock } from '../../support/manual-clock.js';
import { TestLogger } from '../../support/test-logger.js';
import { uniqueId } from '../../support/unique-id.js';

const PUBLIC_BASE_URL = 'https://cdn.example.test/renditions/';
const ROW_TTL_MS = 60_000;

/** The use cases over the memory decorators as the composition root wires them, on the in-memory fakes. */
function world(publicBaseUrl?: string, locations = 100) {
  const clock = new ManualClock();
  const logger = new TestLogger();
  const store = new InMemoryCacheIndex();
  const index = new CachingCacheIndex(store, clock, { ttlMs: 1000, maxEntries: 100, renditions: { ttlMs: ROW_TTL_MS, maxEntries: 100 } });
  const bucket = new InMemoryRenditionCache(publicBaseUrl);
  const cache = new MemoryRenditionCache(bucket, { maxBytes: 1 << 20, maxObjectBytes: 1 << 16 });
  const originals = new InMemoryOriginalStore();
  const transformer = new SharpTransformer({ timeoutMs: 15_000, avifEffort: 0 });
  const background = new BackgroundTasks(logger);
  const getRendition = new GetRendition({
    index, originals, cache, transformer, clock, background, logger, settings: RENDER_SETTINGS, known: { rows: index, bytes: cache, locations },
  });
  const getImageInfo = new GetImageInfo({ index, originals, transformer, placeholders: new HashPlaceholderEncoder(), logger, known: index });
  return { clock, store, index, bucket, cache, originals, background, getRendition, getImageInfo };
}

type World = ReturnType<typeof world>;

async function seed(w: World, bytes: Uint8Array): Promise<OriginalMetadata> {
  const id = uniqueId('known');
  const info = await new SharpTransformer({ timeoutMs: 15_000, avifEffort: 0 }).inspect(bytes);
  const original: OriginalMetadata = { id, version: contentVersionOf(bytes), ...info, bytes: bytes.length, uploadedAt: w.clock.now() };
  await w.originals.put(original, bytes, 'image/jpeg');
  await w.store.saveOriginal(original, { replace: true });
  return original;
}

function input(path: string, overrides: Partial<GetRenditionInput> = {}): GetRenditionInput {
  const parsed = ImageRequest.parse(path, '', RENDER_SETTINGS.limits);
  if (parsed.kind !== 'valid') throw new Error(`test request ${path} is ${parsed.kind}`);
  return { request: parsed.request, accepts: new Set(), delivery: 'redirect', ...overrides };
}

/** Renders and stores a rendition, then answers it once through `execute`, which leaves its rows in memory. */
async function stored(w: World, request: GetRenditionInput) {
  expect((await w.getRendition.execute(request)).kind).to.equal('rendered');
  await w.background.drain();
  return w.getRendition.execute(request);
}

describe('answers from memory alone (ADR 0034)', () => {
  let jpeg: Buffer;
  before(async () => {
    jpeg = await gradientJpeg(64, 48);
  });

  describe('GetRendition.known', () => {
    it('answers nothing for a miss or for rows memory has not seen', async () => {
      const w = world(PUBLIC_BASE_URL);
      const original = await seed(w, jpeg);
      expect(w.getRendition.known(input(`/${original.id}_32_24.jpg`))).to.equal(undefined);
      await w.getRendition.execute(input(`/${original.id}_32_24.jpg`));
      // The original's row is known now, the rendition's is not stored yet.
      expect(w.getRendition.known(input(`/${original.id}_32_24.jpg`))).to.equal(undefined);
    });

    it('answers a known redirect as execute does, with neither the index nor the cache reachable', async () => {
      const w = world(PUBLIC_BASE_URL);
      const original = await seed(w, jpeg);
      const request = input(`/${original.id}_32_24.jpg`);
      const hit = await stored(w, request);
      expect(hit.kind).to.equal('redirect');
      w.store.fail();
      w.bucket.fail();
      expect(w.getRendition.known(request)).to.deep.equal(hit);
      expect(w.getRendition.known(input(`/${original.id}_32_24.jpg`))).to.deep.equal(hit);
    });

    it('answers a proxied hit with the stored bytes once they are in memory', async () => {
      const w = world();
      const original = await seed(w, jpeg);
      const request = input(`/${original.id}_32_24.webp`, { delivery: 'proxy' });
      const hit = await stored(w, request);
      expect(hit.kind).to.equal('stream');
      const opens = w.bucket.opens;
      const known = w.getRendition.known(request);
      expect(known?.kind).to.equal('stream');
      if (known?.kind !== 'stream' || hit.kind !== 'stream') return;
      expect(Buffer.from(known.object.bytes)).to.deep.equal(await collect(hit.object.body));
      expect([known.object.size, known.object.contentType, known.rendition.etag]).to.deep.equal([hit.object.size, hit.object.contentType, hit.rendition.etag]);
      expect(w.bucket.opens, 'the store was not opened again').to.equal(opens);
    });

    it('keeps as many public URLs as it is given (memory.renditionRows), the least recently used dropped first', async () => {
      const w = world(PUBLIC_BASE_URL, 2);
      const original = await seed(w, jpeg);
      const requests = [input(`/${original.id}_32_24.jpg`), input(`/${original.id}_16_12.jpg`), input(`/${original.id}_8_6.jpg`)];
      for (const request of requests) expect((await stored(w, request)).kind).to.equal('redirect');
      expect(w.getRendition.known(requests[0]!), 'its URL dropped for the third one').to.equal(undefined);
      expect(w.getRendition.known(requests[1]!)?.kind).to.equal('redirect');
      expect(w.getRendition.known(requests[2]!)?.kind).to.equal('redirect');
      await w.getRendition.execute(requests[0]!);
      expect(w.getRendition.known(requests[0]!)?.kind, 'located again').to.equal('redirect');
    });

    it('answers a 304 for a matching If-None-Match', async () => {
      const w = world(PUBLIC_BASE_URL);
      const original = await seed(w, jpeg);
      const hit = await stored(w, input(`/${original.id}_32_24.jpg`));
      const known = w.getRendition.known(input(`/${original.id}_32_24.jpg`, { ifNoneMatch: [hit.rendition.etag] }));
      expect(known?.kind).to.equal('not-modified');
    });

    it('forgets at once what is deleted or replaced, and what has outlived its TTL', async () => {
      const w = world(PUBLIC_BASE_URL);
      const original = await seed(w, jpeg);
      const request = input(`/${original.id}_32_24.jpg`);
      await stored(w, request);
      expect(w.getRendition.known(request)?.kind).to.equal('redirect');
      w.clock.advanceSeconds(2);
      expect(w.getRendition.known(request), 'the original row past its TTL').to.equal(undefined);
      await w.getRendition.execute(request);
      expect(w.getRendition.known(request)?.kind).to.equal('redirect');
      await w.index.deleteRenditionsOfVersion(original.id, original.version);
      expect(w.getRendition.known(request), 'its rendition row removed').to.equal(undefined);
      await stored(w, request);
      await w.index.deleteOriginal(original.id);
      expect(w.getRendition.known(request), 'its original deleted').to.equal(undefined);
    });
  });

  describe('GetImageInfo.known', () => {
    it('answers the document execute answers once the row is in memory, and a changed row with its new document', async () => {
      const w = world();
      const original = await seed(w, jpeg);
      expect(w.getImageInfo.known({ id: original.id })).to.equal(undefined);
      const document = await w.getImageInfo.execute({ id: original.id });
      // The first request computed the placeholder and wrote it back; the next read brings the row into memory.
      await w.getImageInfo.execute({ id: original.id });
      w.store.fail();
      expect(w.getImageInfo.known({ id: original.id })).to.deep.equal(document);
      expect(w.getImageInfo.known({ id: original.id, ifNoneMatch: [document.etag] })).to.deep.equal({ kind: 'not-modified', etag: document.etag });
      w.store.recover();
      await w.index.updateOriginal(original, { focalPoint: { x: 0.25, y: 0.75 } });
      expect(w.getImageInfo.known({ id: original.id }), 'a changed row is forgotten').to.equal(undefined);
      const changed = await w.getImageInfo.execute({ id: original.id });
      expect(changed.etag).to.not.equal(document.etag);
      expect(w.getImageInfo.known({ id: original.id })).to.deep.equal(changed);
    });
  });
});

async function collect(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
