import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ObjectFolder } from '../../../src/adapters/filesystem/object-folder.js';
import { GcsBucket } from '../../../src/adapters/gcs/gcs-bucket.js';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import type { ObjectBucket } from '../../../src/adapters/object-storage/object-bucket.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../src/adapters/object-storage/bucket-rendition-cache.js';
import { S3Bucket } from '../../../src/adapters/s3/s3-bucket.js';
import { createS3Client } from '../../../src/adapters/s3/s3-client.js';

// Nothing here reaches a server or a disk: locating a key builds or signs a URL locally.
const KEY = 'abc/0123456789abcdef/0123456789abcdef0123456789abcdef.webp';
const credentials = {
  client_email: 'signer@demo-test.iam.gserviceaccount.com',
  private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
};

const buckets: ReadonlyArray<{ readonly name: string; readonly signs: boolean; readonly make: () => ObjectBucket }> = [
  {
    name: 'S3Bucket',
    signs: true,
    make: () => {
      const config = { bucket: 'renditions', region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', forcePathStyle: true, accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
      return new S3Bucket(createS3Client(config), config);
    },
  },
  {
    name: 'GcsBucket',
    signs: true,
    make: () => {
      const config = { bucket: 'renditions', credentials };
      return new GcsBucket(createGcsClient(config), config);
    },
  },
  { name: 'ObjectFolder', signs: false, make: () => new ObjectFolder(path.join(tmpdir(), 'never-created')) },
];

for (const { name, signs, make } of buckets) {
  describe(`BucketRenditionCache over ${name}: locating hits`, () => {
    const cacheWith = (config: BucketRenditionCacheConfig) => new BucketRenditionCache(make(), config);

    it('answers publicBaseUrl + prefix + key, one slash between, each segment percent-encoded, no expiry', async () => {
      for (const publicBaseUrl of ['https://cdn.example.com/img', 'https://cdn.example.com/img/', 'https://cdn.example.com/img//']) {
        for (const prefix of ['cache', '/cache/', 'cache/']) {
          const location = await cacheWith({ prefix, publicBaseUrl }).locate('abc/ü b+c/x.png');
          expect(location, `${publicBaseUrl} ${prefix}`).to.deep.equal({
            url: 'https://cdn.example.com/img/cache/abc/%C3%BC%20b%2Bc/x.png',
            expiresAt: undefined,
          });
        }
      }
    });

    it(signs ? 'signs a URL when no public base URL is set' : 'answers undefined (streamed by the service) when no public base URL is set', async () => {
      for (const publicBaseUrl of [undefined, '']) {
        const location = await cacheWith({ prefix: 'cache', publicBaseUrl }).locate(KEY);
        if (signs) expect(location?.expiresAt, String(publicBaseUrl)).to.be.instanceOf(Date);
        else expect(location, String(publicBaseUrl)).to.equal(undefined);
      }
    });

    it(signs ? 'refuses a signed-URL lifetime V4 signing cannot give (over 7 days, zero, fractional)' : 'ignores the signed-URL lifetime, as it signs nothing', () => {
      for (const signedUrlTtlSeconds of [604_801, 0, 1.5]) {
        const build = () => cacheWith({ signedUrlTtlSeconds });
        if (signs) expect(build, String(signedUrlTtlSeconds)).to.throw(RangeError, /signedUrlTtlSeconds/);
        else expect(build, String(signedUrlTtlSeconds)).to.not.throw();
      }
    });
  });
}
