import { expect } from 'chai';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import type { RenditionCache } from '../../../src/application/ports/rendition-cache.js';
import { createS3Client } from '../../../src/adapters/s3/s3-client.js';
import type { ContentVersion, OriginalKey } from '../../../src/domain/original.js';
import type { ImageId } from '../../../src/domain/image-id.js';
import { describeRenditionCacheContract } from '../../contract/rendition-cache.contract.js';
import { someBytes } from '../../support/storage-fixtures.js';
import { s3ConfigFor, s3OriginalStore, s3RenditionCache, s3Run, s3TestServer, skipWithoutS3, type S3Run } from './s3-test-server.js';

const KEY = 'abc/0123456789abcdef/0123456789abcdef0123456789abcdef.webp';

describe('The S3 rendition cache against a real S3 server (Ceph RADOS Gateway)', function () {
  before(function () {
    skipWithoutS3(this, 'S3 rendition cache integration tests');
  });

  describeRenditionCacheContract(
    'BucketRenditionCache over S3Bucket on Ceph RGW',
    () => s3Run(s3TestServer()!, s3RenditionCache),
    { locate: 'signed', contentType: 'stored', modelRuns: 10 },
  );

  describe('presigned URLs, checked by the server', () => {
    let run: S3Run<RenditionCache> | undefined;

    afterEach(async () => {
      await run?.cleanup();
      run = undefined;
    });

    it('serves the bytes and the immutable Cache-Control to a plain fetch of the presigned URL', async () => {
      run = await s3Run(s3TestServer()!, s3RenditionCache);
      const bytes = someBytes(5000);
      await run.subject.put(KEY, bytes, 'image/webp');
      const location = await run.subject.locate(KEY);
      const response = await fetch(location!.url);
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('image/webp');
      expect(response.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
      expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(bytes))).to.equal(true);
    });

    it('is refused (403) when the signature is tampered with', async () => {
      run = await s3Run(s3TestServer()!, s3RenditionCache);
      await run.subject.put(KEY, someBytes(10), 'image/webp');
      const url = new URL((await run.subject.locate(KEY))!.url);
      const signature = url.searchParams.get('X-Amz-Signature')!;
      const flipped = (signature[0] === '0' ? '1' : '0') + signature.slice(1);
      url.searchParams.set('X-Amz-Signature', flipped);
      const response = await fetch(url);
      await response.arrayBuffer();
      expect(response.status).to.equal(403);
    });

    it('is refused (403) once expired: signed for 1 s, fetched after 2 s', async function () {
      this.timeout(10_000);
      run = await s3Run(s3TestServer()!, s3RenditionCache, {
        signedUrlTtlSeconds: 1,
      });
      await run.subject.put(KEY, someBytes(10), 'image/webp');
      const location = (await run.subject.locate(KEY))!;
      const fresh = await fetch(location.url);
      await fresh.arrayBuffer();
      expect(fresh.status, 'before expiry').to.equal(200);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const stale = await fetch(location.url);
      await stale.arrayBuffer();
      expect(stale.status, 'after expiry').to.equal(403);
    });
  });

  describe('failures', () => {
    it('reports a missing bucket from check() as StoreUnavailableError', async () => {
      const config = s3ConfigFor(s3TestServer()!, { bucket: `missing-${Date.now()}` });
      const client = createS3Client(config);
      try {
        const error = await s3RenditionCache(client, config).check().catch((caught: unknown) => caught);
        expect(error).to.be.instanceOf(StoreUnavailableError);
        expect((error as Error).cause).to.not.equal(undefined);
      } finally {
        client.destroy();
      }
    });
  });
});

describe('S3 drivers with an unreachable endpoint (no server needed)', () => {
  const config = {
    bucket: 'nowhere',
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    accessKeyId: 'test',
    secretAccessKey: 'testtesttest',
  };
  const client = createS3Client(config);
  const cache = s3RenditionCache(client, config);
  const store = s3OriginalStore(client, config);
  const original: OriginalKey = { id: 'abc' as ImageId, version: 'a'.repeat(64) as ContentVersion };

  after(() => client.destroy());

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
