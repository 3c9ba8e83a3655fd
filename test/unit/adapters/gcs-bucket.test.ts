import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { GcsBucket } from '../../../src/adapters/gcs/gcs-bucket.js';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import type { GcsConfig } from '../../../src/adapters/gcs/gcs-config.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../src/adapters/object-storage/bucket-rendition-cache.js';

// Signing is local (the service-account key signs), so these run without any server.
const KEY = 'abc/0123456789abcdef/0123456789abcdef0123456789abcdef.webp';
const credentials = {
  client_email: 'signer@demo-test.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
};

function cacheWith(overrides: Partial<GcsConfig & BucketRenditionCacheConfig>): BucketRenditionCache {
  const config = { bucket: 'renditions', prefix: 'cache', credentials, ...overrides };
  return new BucketRenditionCache(new GcsBucket(createGcsClient(config), config), config);
}

/** X-Goog-Date is `YYYYMMDDTHHMMSSZ`. */
function parseGoogDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  expect(match, `X-Goog-Date ${value}`).to.not.equal(null);
  const [, y, mo, d, h, mi, s] = match!.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

describe('GcsBucket: V4 signed rendition URLs (built locally, no server)', () => {
  it('signs a V4 read URL for the prefixed key that expires after signedUrlTtlSeconds, as expiresAt says', async () => {
    const before = Date.now();
    const location = (await cacheWith({ signedUrlTtlSeconds: 900 }).locate(KEY))!;
    const url = new URL(location.url);
    const query = url.searchParams;

    expect(url.pathname).to.equal(`/renditions/cache/${KEY}`);
    expect(query.get('X-Goog-Algorithm')).to.equal('GOOG4-RSA-SHA256');
    expect(query.get('X-Goog-Credential')).to.match(/^signer@demo-test\.iam\.gserviceaccount\.com\/\d{8}\/auto\/storage\/goog4_request$/);
    expect(query.get('X-Goog-SignedHeaders')).to.equal('host');
    expect(query.get('X-Goog-Signature')).to.match(/^[0-9a-f]{512}$/);

    const signedAt = parseGoogDate(query.get('X-Goog-Date')!).getTime();
    expect(signedAt).to.be.within(before - 2_000, Date.now() + 1_000);
    const lifetime = Number(query.get('X-Goog-Expires'));
    // The SDK derives X-Goog-Expires from the date it is given, in whole seconds.
    expect(lifetime).to.be.within(899, 900);
    const urlExpiry = signedAt + lifetime * 1000;
    expect(Math.abs(location.expiresAt!.getTime() - urlExpiry)).to.be.at.most(2_000);
  });

  it('uses a one-hour lifetime by default', async () => {
    const location = (await cacheWith({}).locate(KEY))!;
    expect(Number(new URL(location.url).searchParams.get('X-Goog-Expires'))).to.be.within(3599, 3600);
  });
});
