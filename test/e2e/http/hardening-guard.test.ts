import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { expect } from 'chai';
import { createImageService } from '../../../src/infrastructure/embed.js';
import { parseImageId } from '../../../src/domain/image-id.js';
import { TOKENS } from '../../../src/infrastructure/di/tokens.js';
import { tokenPurgeIntervalMs } from '../../../src/application/use-cases/purge-expired-tokens.js';
import { Token } from '../../../src/domain/token.js';
import { startChildService } from '../../support/child-service.js';
import { startTestService, tokenFor, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

const SECRET = 'a-shared-secret-of-some-length';
const ALLOWED = '10.1.2.3';
const DISALLOWED = '192.0.2.7';

interface Call {
  readonly method?: 'POST' | 'DELETE';
  readonly path?: string;
  readonly forwardedFor?: string;
  readonly authorization?: string;
}

async function call(base: string, { method = 'POST', path = '/token', forwardedFor, authorization }: Call): Promise<{ status: number; code?: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
  if (authorization !== undefined) headers.authorization = authorization;
  const response = await fetch(`${base}${path}`, { method, headers, body: method === 'POST' ? JSON.stringify({ id: 'guarded' }) : undefined });
  const text = await response.text();
  if (response.status < 400) return { status: response.status };
  expect(response.headers.get('content-type')).to.match(/^application\/json/);
  return { status: response.status, code: (JSON.parse(text) as { error: { code: string } }).error.code };
}

describe('token endpoint guard (SPEC §5.1, §5.4)', function () {
  this.timeout(30_000);

  describe('behind a trusted proxy (127.0.0.1), allowing 10.1.0.0/16 with a shared secret', () => {
    let service: TestService;
    const bearer = `Bearer ${SECRET}`;

    before(async () => {
      service = await startTestService({
        server: { host: '127.0.0.1', port: 0, trustedProxies: ['127.0.0.1/32', '::1/128'] },
        tokens: { allowFrom: ['10.1.0.0/16'], secret: SECRET },
      });
    });
    after(async () => service?.close());

    it('issues a token to an allowed client address forwarded by the proxy, with the secret', async () => {
      expect(await call(service.url, { forwardedFor: ALLOWED, authorization: bearer })).to.deep.equal({ status: 200 });
    });

    it('answers 403 to a disallowed client address forwarded by the proxy', async () => {
      expect(await call(service.url, { forwardedFor: DISALLOWED, authorization: bearer })).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
    });

    it('believes only the hop the proxy added, not an allowed address the client put in front', async () => {
      expect(await call(service.url, { forwardedFor: `${ALLOWED}, ${DISALLOWED}`, authorization: bearer })).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
    });

    it('answers 401 without the Bearer secret, with a wrong one, and with a prefix of it', async () => {
      for (const authorization of [undefined, 'Bearer wrong-secret-wrong-secret', `Bearer ${SECRET.slice(0, -1)}`, SECRET, `Basic ${SECRET}`]) {
        expect(await call(service.url, { forwardedFor: ALLOWED, authorization }), String(authorization)).to.deep.equal({ status: 401, code: 'UNAUTHORIZED' });
      }
    });

    it('puts DELETE /{id} behind the same guard', async () => {
      const id = 'guarded_delete';
      const issued = await fetch(`${service.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ALLOWED, authorization: bearer },
        body: JSON.stringify({ id }),
      });
      const form = new FormData();
      form.set('image', new Blob([await photo(80, 60)]), 'image.jpg');
      const uploaded = await fetch(`${service.url}/${id}`, { method: 'POST', headers: { 'X-Token': ((await issued.json()) as { token: string }).token }, body: form });
      expect(uploaded.status).to.equal(201);

      expect(await call(service.url, { method: 'DELETE', path: `/${id}`, forwardedFor: DISALLOWED, authorization: bearer })).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
      expect(await call(service.url, { method: 'DELETE', path: `/${id}`, forwardedFor: ALLOWED })).to.deep.equal({ status: 401, code: 'UNAUTHORIZED' });
      expect((await fetch(`${service.url}/${id}_40_0.jpg`)).status, 'still there after refused deletes').to.equal(200);

      expect(await call(service.url, { method: 'DELETE', path: `/${id}`, forwardedFor: ALLOWED, authorization: bearer })).to.deep.equal({ status: 204 });
      expect((await fetch(`${service.url}/${id}_40_0.jpg`)).status).to.equal(404);
    });
  });

  describe('without trusted proxies', () => {
    let service: TestService;

    before(async () => {
      service = await startTestService({ tokens: { allowFrom: ['10.1.0.0/16'] } });
    });
    after(async () => service?.close());

    it('ignores X-Forwarded-For from an untrusted peer: an allowed forwarded address does not let loopback in', async () => {
      expect(await call(service.url, { forwardedFor: ALLOWED })).to.deep.equal({ status: 403, code: 'FORBIDDEN' });
    });
  });

  describe('with the default allow-list (loopback only) and no trusted proxies (SPEC §7)', () => {
    let service: TestService;

    before(async () => {
      service = await startTestService();
    });
    after(async () => service?.close());

    async function refusal(method: 'POST' | 'DELETE', path: string, headers: Record<string, string>): Promise<{ status: number; code: string; message: string }> {
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: method === 'POST' ? JSON.stringify({ id: 'guarded' }) : undefined,
      });
      const { error } = (await response.json()) as { error: { code: string; message: string } };
      return { status: response.status, ...error };
    }

    it('refuses /token and DELETE that came through a proxy (X-Forwarded-For or Forwarded) with 403 naming server.trustedProxies', async () => {
      // A reverse proxy on the same host connects from loopback: without this rule, "loopback only" would mean "anyone".
      for (const [method, path] of [['POST', '/token'], ['DELETE', '/nothing_here']] as const) {
        for (const headers of [{ 'x-forwarded-for': DISALLOWED }, { forwarded: `for=${DISALLOWED}` }, { 'x-forwarded-for': '127.0.0.1' }] as Array<Record<string, string>>) {
          const refused = await refusal(method, path, headers);
          expect([refused.status, refused.code], `${method} ${JSON.stringify(headers)}`).to.deep.equal([403, 'FORBIDDEN']);
          expect(refused.message).to.include('server.trustedProxies');
        }
      }
    });

    it('still answers loopback callers that come directly', async () => {
      expect(await call(service.url, {})).to.deep.equal({ status: 200 });
      // Past the guard: the id simply does not exist.
      expect(await call(service.url, { method: 'DELETE', path: '/nothing_here' })).to.deep.equal({ status: 404, code: 'NOT_FOUND' });
    });
  });
});

describe('expired upload tokens', function () {
  this.timeout(30_000);

  it('are purged by a timer, without any request paying for it', async () => {
    const service = await startTestService({ tokens: { ttlSeconds: 1 } });
    try {
      expect(tokenPurgeIntervalMs(1)).to.equal(1000);
      const value = await tokenFor(service.url, 'soon_expired');
      const store = service.container.get(TOKENS.TokenStore);
      const hash = Token.hashOf(value);
      expect(await store.find(hash)).to.not.equal(undefined);
      // No HTTP request from here on: only the timer can delete the row (expiry 1 s, interval 1 s).
      let found: Token | undefined;
      for (let waited = 0; waited < 10_000; waited += 100) {
        found = await store.find(hash);
        if (found === undefined) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(found, 'the expired token is still stored').to.equal(undefined);
    } finally {
      await service.close();
    }
  });

  it('are purged for an embedded service too, once it has started', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-embed-purge-'));
    const images = createImageService({ dataDir, tokens: { ttlSeconds: 1 }, log: { level: 'silent' } });
    // The index file itself, read beside the service: nothing of the service is asked.
    const database = knex({ client: 'better-sqlite3', connection: { filename: path.join(dataDir, 'index.sqlite') }, useNullAsDefault: true });
    const stored = async (): Promise<number> => Number((await database('tokens').count({ n: '*' }))[0]!.n);
    try {
      await images.start();
      await images.issueToken.execute({ id: parseImageId('embedded_soon_expired') });
      expect(await stored()).to.equal(1);
      let left = await stored();
      for (let waited = 0; waited < 10_000 && left > 0; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = await stored();
      }
      expect(left, 'the expired token is still stored').to.equal(0);
    } finally {
      await database.destroy();
      await images.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('start-up advice about the token guard (SPEC §7)', function () {
  this.timeout(60_000);

  async function startupWarnings(env: Record<string, string>): Promise<string[]> {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-guard-warning-'));
    const child = await startChildService({ env: { DATA_DIR: dataDir, ...env } });
    try {
      return child.logs.filter((line) => line['log.level'] === 'warn').map((line) => String(line.message));
    } finally {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  it('in production, says what a loopback-only guard without a secret means; with a secret, says nothing', async () => {
    const loopbackOnly = await startupWarnings({ NODE_ENV: 'production' });
    expect(loopbackOnly.filter((message) => message.includes('tokens.allowFrom is loopback only'))).to.have.length(1);
    const withSecret = await startupWarnings({ NODE_ENV: 'production', TOKEN_SECRET: SECRET });
    expect(withSecret.filter((message) => message.includes('tokens.allowFrom'))).to.deep.equal([]);
  });
});
