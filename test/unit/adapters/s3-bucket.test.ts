import { expect } from 'chai';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../src/adapters/object-storage/bucket-rendition-cache.js';
import { S3Bucket } from '../../../src/adapters/s3/s3-bucket.js';
import { createS3Client } from '../../../src/adapters/s3/s3-client.js';
import type { S3Config } from '../../../src/adapters/s3/s3-config.js';

// Presigning is local (the SDK signs with the configured keys), so these run without any server.
const KEY = 'abc/0123456789abcdef/0123456789abcdef0123456789abcdef.webp';
const base: S3Config & BucketRenditionCacheConfig = {
  bucket: 'renditions',
  prefix: 'cache',
  region: 'eu-west-1',
  endpoint: 'http://127.0.0.1:1',
  forcePathStyle: true,
  accessKeyId: 'AKIDTEST',
  secretAccessKey: 'secret',
};

function cacheWith(overrides: Partial<S3Config & BucketRenditionCacheConfig>): BucketRenditionCache {
  const config = { ...base, ...overrides };
  return new BucketRenditionCache(new S3Bucket(createS3Client(config), config), config);
}

/** X-Amz-Date is `YYYYMMDDTHHMMSSZ`. */
function parseAmzDate(value: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  expect(match, `X-Amz-Date ${value}`).to.not.equal(null);
  const [, y, mo, d, h, mi, s] = match!.map(Number);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

describe('S3Bucket: presigned rendition URLs (built locally, no server)', () => {
  it('presigns a SigV4 GET for the prefixed key that expires after signedUrlTtlSeconds, as expiresAt says', async () => {
    const before = Date.now();
    const location = (await cacheWith({ signedUrlTtlSeconds: 900 }).locate(KEY))!;
    const url = new URL(location.url);
    const query = url.searchParams;

    expect(url.pathname).to.equal(`/renditions/cache/${KEY}`);
    expect(query.get('X-Amz-Algorithm')).to.equal('AWS4-HMAC-SHA256');
    expect(query.get('X-Amz-Credential')).to.match(/^AKIDTEST\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(query.get('X-Amz-Expires')).to.equal('900');
    const signedAt = parseAmzDate(query.get('X-Amz-Date')!);
    expect(signedAt).to.be.within(before - 2_000, Date.now() + 1_000);
    expect(Math.abs(location.expiresAt!.getTime() - (signedAt + 900_000))).to.be.at.most(2_000);
  });

  it('uses a one-hour lifetime by default', async () => {
    const location = (await cacheWith({}).locate(KEY))!;
    expect(new URL(location.url).searchParams.get('X-Amz-Expires')).to.equal('3600');
  });

  it('refuses half a key pair instead of silently falling back to the default credential chain', () => {
    expect(() => createS3Client({ ...base, secretAccessKey: undefined })).to.throw(/both accessKeyId and secretAccessKey/);
  });
});
