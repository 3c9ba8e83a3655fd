import { expect } from 'chai';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import type { RenditionCache } from '../../../src/application/ports/rendition-cache.js';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import type { ContentVersion, OriginalKey } from '../../../src/domain/original.js';
import { describeRenditionCacheContract } from '../../contract/rendition-cache.contract.js';
import { someBytes } from '../../support/storage-fixtures.js';
import { dummyServiceAccount, gcsOriginalStore, gcsRenditionCache, gcsRun, gcsTestServer, skipWithoutGcs, type GcsRun } from './gcs-test-server.js';

const KEY = 'abc/0123456789abcdef/0123456789abcdef0123456789abcdef.webp';

describe('The GCS rendition cache against the Cloud Storage emulator (firebase-tools; it verifies no URL signatures, expiry or preconditions)', function () {
  before(function () {
    skipWithoutGcs(this, 'GCS rendition cache integration tests');
  });

  describeRenditionCacheContract(
    'BucketRenditionCache over GcsBucket on the firebase-tools emulator',
    () => gcsRun(gcsTestServer()!, gcsRenditionCache),
    { locate: 'signed', contentType: 'stored', modelRuns: 10 },
  );

  describe('stored metadata and signed URLs', () => {
    let run: GcsRun<RenditionCache> | undefined;

    afterEach(async () => {
      await run?.cleanup();
      run = undefined;
    });

    it('stores the immutable Cache-Control with the rendition', async () => {
      run = await gcsRun(gcsTestServer()!, gcsRenditionCache);
      await run.subject.put(KEY, someBytes(10), 'image/webp');
      const server = gcsTestServer()!;
      const [metadata] = await createGcsClient({ bucket: server.bucket, apiEndpoint: server.endpoint })
        .bucket(server.bucket)
        .file(`${run.keyPrefix}/${KEY}`)
        .getMetadata();
      expect(metadata.cacheControl).to.equal('public, max-age=31536000, immutable');
      expect(metadata.contentType).to.equal('image/webp');
    });

    it('serves the bytes to a plain fetch of the V4 signed URL (the emulator does not verify the signature or expiry)', async () => {
      run = await gcsRun(gcsTestServer()!, gcsRenditionCache);
      const bytes = someBytes(5000);
      await run.subject.put(KEY, bytes, 'image/webp');
      const location = (await run.subject.locate(KEY))!;
      expect(new URL(location.url).searchParams.get('X-Goog-Algorithm')).to.equal('GOOG4-RSA-SHA256');
      const response = await fetch(location.url);
      expect(response.status).to.equal(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).to.equal(true);
    });
  });
});

describe('GCS drivers with an unreachable endpoint (no server needed)', () => {
  const config = {
    bucket: 'nowhere',
    apiEndpoint: 'http://127.0.0.1:1',
    credentials: dummyServiceAccount(),
  };
  const storage = createGcsClient(config);
  const cache = gcsRenditionCache(storage, config);
  const store = gcsOriginalStore(storage, config);
  const original: OriginalKey = { id: 'abc' as ImageId, version: 'a'.repeat(64) as ContentVersion };

  for (const [name, call] of [
    ['RenditionCache.check', () => cache.check()],
    ['RenditionCache.put', () => cache.put(KEY, someBytes(4), 'image/webp')],
    ['RenditionCache.open', () => cache.open(KEY)],
    ['RenditionCache.purge', () => cache.purge('abc/')],
    ['OriginalStore.get', () => store.get(original)],
    ['OriginalStore.delete', () => store.delete(original)],
  ] as const) {
    it(`${name} rejects with StoreUnavailableError carrying the SDK error, well within 5 s`, async function () {
      this.timeout(5_000);
      const error = await call().then(
        () => expect.fail('resolved'),
        (caught: unknown) => caught,
      );
      expect(error).to.be.instanceOf(StoreUnavailableError);
      expect(String((error as Error).cause)).to.match(/ECONNREFUSED/);
    });
  }
});
