import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import type { GcsConfig } from '../../../src/adapters/gcs/gcs-config.js';
import { GcsRenditionCache } from '../../../src/adapters/gcs/gcs-rendition-cache.js';

// Signing is local (the service-account key signs), so these run without any server.
const KEY = 'abc/0123456789abcdef/0123456789abcdef0123456789abcdef.webp';
const credentials = {
  client_email: 'signer@demo-test.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
};

function cacheWith(overrides: Partial<GcsConfig>): GcsRenditionCache {
  const config: GcsConfig = { bucket: 'renditions', prefix: 'cache', credentials, ...overrides };
  return new GcsRenditionCache(createGcsClient(config), config);
}

/** X-Goog-Date is `YYYYMMDDTHHMMSSZ`. */
function parseGoogDate(value: string): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  expect(match, `X-Goog-Date ${value}`).to.not.equal(null);
  const [, y, mo, d, h, mi, s] = match!.map(Number);
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

describe('GcsRenditionCache.locate (URLs built locally, no server)', () => {
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

  it('answers publicBaseUrl + key, percent-encoded per segment, without expiry when a public base URL is set', async () => {
    const location = await cacheWith({ publicBaseUrl: 'https://cdn.example.com/img/' }).locate('abc/ü b+c/x.png');
    expect(location).to.deep.equal({ url: 'https://cdn.example.com/img/cache/abc/%C3%BC%20b%2Bc/x.png', expiresAt: undefined });
  });

  it('refuses a lifetime V4 signing cannot give (over 7 days, zero, fractional)', () => {
    for (const signedUrlTtlSeconds of [604_801, 0, 1.5]) {
      expect(() => cacheWith({ signedUrlTtlSeconds }), String(signedUrlTtlSeconds)).to.throw(RangeError);
    }
  });
});
