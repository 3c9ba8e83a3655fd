import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { settle, startTestService, uploadOriginal } from '../../support/service-harness.js';
import { describeCoreLoop, photo } from './core-loop.suite.js';

function s3Settings(): Record<string, unknown> | undefined {
  const { TEST_S3_ENDPOINT: endpoint, TEST_S3_ACCESS_KEY: accessKeyId, TEST_S3_SECRET_KEY: secretAccessKey, TEST_S3_BUCKET: bucket } = process.env;
  if (!endpoint || !accessKeyId || !secretAccessKey || !bucket) {
    console.warn('    skipped: set TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY, TEST_S3_SECRET_KEY, TEST_S3_BUCKET (eval "$(scripts/test-services/start-all.sh)") to run the core loop on S3');
    return undefined;
  }
  const run = randomUUID().slice(0, 8);
  const store = { driver: 's3', bucket, endpoint, accessKeyId, secretAccessKey, region: 'us-east-1', forcePathStyle: true };
  return {
    originals: { ...store, prefix: `e2e-${run}/originals` },
    renditions: { ...store, prefix: `e2e-${run}/renditions` },
    delivery: { mode: 'redirect', signedUrlTtlSeconds: 600 },
  };
}

// A real S3 server (Ceph RGW): hits redirect to presigned URLs, which a plain HTTP client follows.
describeCoreLoop('S3 originals and renditions, presigned redirects + SQLite + sharp', s3Settings, 'redirect');

describe('S3 presigned redirects', function () {
  this.timeout(60_000);

  it('are refused by the server when tampered with, and never cached longer than they live', async function () {
    const settings = s3Settings();
    if (!settings) this.skip();
    const service = await startTestService(settings);
    try {
      const id = `tamper_${randomUUID().slice(0, 8)}`;
      await uploadOriginal(service.url, id, await photo(300, 200));
      expect((await fetch(`${service.url}/${id}_100_100.jpg`)).status).to.equal(200);
      await settle(service);
      const hit = await fetch(`${service.url}/${id}_100_100.jpg`, { redirect: 'manual' });
      expect(hit.status).to.equal(303);
      const maxAge = Number(/max-age=(\d+)/.exec(hit.headers.get('cache-control') ?? '')?.[1]);
      expect(maxAge).to.be.at.most(600);
      const location = new URL(hit.headers.get('location') ?? '');
      const signature = location.searchParams.get('X-Amz-Signature') ?? '';
      expect(signature).to.match(/^[0-9a-f]{64}$/);
      location.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
      expect((await fetch(location)).status).to.equal(403);
    } finally {
      await service.close();
    }
  });
});
