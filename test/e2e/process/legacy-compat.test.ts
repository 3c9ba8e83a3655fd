import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import sharp from 'sharp';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { issueToken, upload } from '../../support/service-harness.js';
import { photo } from '../http/core-loop.suite.js';

const SECRET = 'the-old-back-end-secret';

/** `lir_legacy_requests_total{alias="…"}` as `GET /metrics` reports it; 0 when the series does not exist yet. */
async function legacyCount(base: string, alias: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`lir_legacy_requests_total{alias="${alias}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function tokenWithSecretInBody(base: string, id: string): Promise<Response> {
  return fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, secret: SECRET }) });
}

/** Each alias of compat.legacy (SPEC §10) on the real process, and the metric that tells when it can go. */
describe('compat.legacy on the real process', function () {
  this.timeout(120_000);
  let folder: string;
  let legacy: ChildService;
  let strict: ChildService;

  before(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'lir-compat-'));
    const env = { TOKEN_SECRET: SECRET };
    [legacy, strict] = await Promise.all([
      startChildService({ env: { ...env, COMPAT_LEGACY: 'true', DATA_DIR: path.join(folder, 'legacy') } }),
      startChildService({ env: { ...env, DATA_DIR: path.join(folder, 'strict') } }),
    ]);
    for (const service of [legacy, strict]) {
      const token = (await (await issueToken(service.url, 'cat', { headers: { authorization: `Bearer ${SECRET}` } })).json()) as { token: string };
      const answer = await upload(service.url, 'cat', await photo(1200, 800), token.token);
      expect(answer.status, await answer.text()).to.equal(service === legacy ? 200 : 201);
    }
  });

  after(async () => {
    await Promise.all([legacy?.stop(), strict?.stop()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves .JPG, .jfif, quality=-1 and allow_webp=true, counting each alias', async () => {
    const cases = [
      ['/cat_100_100.JPG', 'uppercase_extension', 'image/jpeg'],
      ['/cat_100_100.jfif', 'jfif', 'image/jpeg'],
      ['/cat_100_100.jpg?quality=-1', 'quality_minus_one', 'image/jpeg'],
      ['/cat_100_100.jpg?allow_webp=true', 'allow_webp', 'image/webp'],
    ] as const;
    for (const [url, alias, type] of cases) {
      const before = await legacyCount(legacy.url, alias);
      const response = await fetch(`${legacy.url}${url}`, { headers: { accept: 'image/webp,image/*' } });
      expect(response.status, url).to.equal(200);
      expect(response.headers.get('content-type'), url).to.equal(type);
      const { width, height } = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([width, height], url).to.deep.equal([100, 67]);
      expect(await legacyCount(legacy.url, alias), url).to.equal(before + 1);

      const refused = await fetch(`${strict.url}${url}`, { headers: { accept: 'image/webp,image/*' } });
      // Without compat.legacy: 400 naming the part, except allow_webp, an unknown key the strict grammar ignores.
      expect(refused.status, url).to.equal(alias === 'allow_webp' ? 200 : 400);
      if (alias === 'allow_webp') expect(refused.headers.get('content-type')).to.equal('image/jpeg');
    }
    expect(await legacyCount(strict.url, 'uppercase_extension')).to.equal(0);
  });

  it('a canonical URL counts as no legacy form', async () => {
    const before = await (await fetch(`${legacy.url}/metrics`)).text();
    expect((await fetch(`${legacy.url}/cat_120_0.png`)).status).to.equal(200);
    const after = await (await fetch(`${legacy.url}/metrics`)).text();
    const series = (text: string) => text.split('\n').filter((l) => l.startsWith('lir_legacy_requests_total{'));
    expect(series(after)).to.deep.equal(series(before));
  });

  it('answers /_health and /healthcheck as /readyz', async () => {
    for (const [route, alias] of [['/_health', '_health'], ['/healthcheck', 'healthcheck']] as const) {
      const before = await legacyCount(legacy.url, alias);
      const response = await fetch(`${legacy.url}${route}`);
      expect(response.status, route).to.equal(200);
      expect(((await response.json()) as { status: string }).status).to.equal('ok');
      expect(await legacyCount(legacy.url, alias)).to.equal(before + 1);
      expect((await fetch(`${strict.url}${route}`)).status, route).to.equal(404);
    }
  });

  it('takes the /token secret from the JSON body, and still refuses a wrong or missing one', async () => {
    const before = await legacyCount(legacy.url, 'token_secret_in_body');
    const issued = await tokenWithSecretInBody(legacy.url, 'dog');
    expect(issued.status).to.equal(200);
    const { token } = (await issued.json()) as { token: string };
    expect(await legacyCount(legacy.url, 'token_secret_in_body')).to.equal(before + 1);
    expect((await upload(legacy.url, 'dog', await photo(300, 200), token)).status).to.equal(200);

    const wrong = await fetch(`${legacy.url}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'x', secret: 'not-the-secret-at-all' }) });
    expect(wrong.status).to.equal(401);
    expect((await issueToken(legacy.url, 'x')).status).to.equal(401);
    // A wrong Authorization header is not rescued by a right secret in the body.
    const both = await fetch(`${legacy.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-secret-at-all' },
      body: JSON.stringify({ id: 'x', secret: SECRET }),
    });
    expect(both.status).to.equal(401);
    expect((await tokenWithSecretInBody(strict.url, 'dog')).status).to.equal(401);
  });
});
