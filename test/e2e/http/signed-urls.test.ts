import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { metricValue } from '../../support/metrics.js';
import { startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

const OLD_KEY = 'the-key-that-signed-last-year';
const NEW_KEY = 'the-key-that-signs-from-today';

/** Written from SPEC §8 alone, not with the service's signer: HMAC-SHA256, base64url, no padding. */
function sign(url: string, key: string): string {
  const signature = createHmac('sha256', key).update(url).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return `${url}${url.includes('?') ? '&' : '?'}sig=${signature}`;
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

async function metric(base: string, series: string): Promise<number> {
  return metricValue(await (await fetch(`${base}/metrics`)).text(), series) ?? 0;
}

describe('Signed URLs (SPEC §8), on the real service', function () {
  this.timeout(60_000);
  let rotated: TestService;
  let bytes: Buffer;

  before(async () => {
    bytes = await photo(400, 300);
    // Mid-rotation: the new key first (it signs), the old one still verifies.
    rotated = await startTestService({ signing: { keys: [NEW_KEY, OLD_KEY] } });
    await uploadOriginal(rotated.url, 'cat', bytes);
  });
  after(async () => rotated?.close());

  it('answers 403 SIGNATURE_MISSING without a sig, or with a sig that is not the last parameter, and counts it', async () => {
    const before = await metric(rotated.url, 'lir_signature_failures_total{reason="missing"}');
    for (const url of ['/cat_100_0.jpg', '/cat_100_0.jpg?fit=crop', `${sign('/cat_100_0.jpg', NEW_KEY)}&fit=crop`]) {
      const response = await fetch(`${rotated.url}${url}`);
      expect(response.status, url).to.equal(403);
      const error = await errorOf(response);
      expect(error.code, url).to.equal('SIGNATURE_MISSING');
      expect(error.message).to.match(/needs a signature/);
    }
    expect(await metric(rotated.url, 'lir_signature_failures_total{reason="missing"}')).to.equal(before + 3);
  });

  it('answers 403 SIGNATURE_MISMATCH for a tampered URL, a tampered sig or an unknown key, and counts it', async () => {
    const before = await metric(rotated.url, 'lir_signature_failures_total{reason="mismatch"}');
    const good = sign('/cat_100_0.jpg?fit=crop', NEW_KEY);
    const tampered = [
      good.replace('_100_', '_101_'),
      good.replace('fit=crop', 'fit=clip'),
      good.replace('?fit=crop&', '?fit=crop&quality=90&'),
      `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`,
      sign('/cat_100_0.jpg?fit=crop', 'a-key-the-service-never-had'),
    ];
    for (const url of tampered) {
      const response = await fetch(`${rotated.url}${url}`);
      expect(response.status, url).to.equal(403);
      const error = await errorOf(response);
      expect(error.code, url).to.equal('SIGNATURE_MISMATCH');
      expect(error.message).to.match(/does not match/);
    }
    expect(await metric(rotated.url, 'lir_signature_failures_total{reason="mismatch"}')).to.equal(before + tampered.length);
  });

  it('answers 200 to URLs signed with either key during a rotation (HEAD too)', async () => {
    for (const key of [NEW_KEY, OLD_KEY]) {
      const response = await fetch(`${rotated.url}${sign('/cat_120_0.webp?fit=crop&quality=70', key)}`);
      expect(response.status, key).to.equal(200);
      expect(response.headers.get('content-type')).to.equal('image/webp');
      expect((await fetch(`${rotated.url}${sign('/cat_64_64.png', key)}`, { method: 'HEAD' })).status).to.equal(200);
    }
  });

  it('signs its own redirects with the first key, so they are followed to a 200', async () => {
    const response = await fetch(`${rotated.url}${sign('/cat_9000_0.jpg', OLD_KEY)}`, { redirect: 'manual' });
    expect(response.status).to.equal(303);
    expect(response.headers.get('location')).to.equal(sign('/cat_4096_0.jpg', NEW_KEY));
    expect((await fetch(`${rotated.url}${response.headers.get('location')}`)).status).to.equal(200);
  });

  it('after the rotation, refuses the old key and accepts the new one', async () => {
    const rotatedOut = await startTestService({ signing: { keys: [NEW_KEY] } });
    try {
      await uploadOriginal(rotatedOut.url, 'cat', bytes);
      expect((await errorOf(await fetch(`${rotatedOut.url}${sign('/cat_80_0.jpg', OLD_KEY)}`))).code).to.equal('SIGNATURE_MISMATCH');
      expect((await fetch(`${rotatedOut.url}${sign('/cat_80_0.jpg', NEW_KEY)}`)).status).to.equal(200);
    } finally {
      await rotatedOut.close();
    }
  });

  it('without signing keys, unsigned URLs are served as before', async () => {
    const open = await startTestService();
    try {
      await uploadOriginal(open.url, 'cat', bytes);
      expect((await fetch(`${open.url}/cat_80_0.jpg`)).status).to.equal(200);
    } finally {
      await open.close();
    }
  });
});
