import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import { issueToken, settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';

describe('logging over HTTP (ECS JSON lines)', function () {
  this.timeout(30_000);
  let service: TestService;

  before(async () => {
    service = await startTestService();
  });
  after(async () => service.close());

  it('writes one ECS access line per request with the request fields and the cache outcome', async () => {
    const response = await fetch(`${service.url}/nobody_10_10.jpg?x=1`, { headers: { 'X-Request-Id': 'trace-123' } });
    expect(response.status).to.equal(404);
    expect(response.headers.get('x-request-id')).to.equal('trace-123');
    const access = await service.waitForLog((line) => line['http.request.id'] === 'trace-123' && line.message === 'GET /nobody_10_10.jpg 404');
    const lines = service.logs.filter((line) => line['http.request.id'] === 'trace-123');
    expect(access, JSON.stringify(lines)).to.not.equal(undefined);
    expect(access).to.include.keys('@timestamp', 'log.level', 'ecs.version', 'service.name');
    expect(access?.['log.level']).to.equal('info');
    const http = access?.http as { request: { method: string }; response: { status_code: number } };
    expect(http.request.method).to.equal('GET');
    expect(http.response.status_code).to.equal(404);
    expect((access?.url as { path: string; query: string }).path).to.equal('/nobody_10_10.jpg');
    expect((access?.event as { duration: number }).duration).to.be.a('number');
    // The error line for the same request carries the error code under ECS `error.*`.
    const errorLine = lines.find((line) => (line.error as { code?: string } | undefined)?.code === 'NOT_FOUND');
    expect(errorLine).to.not.equal(undefined);
  });

  it('records the cache outcome of image responses', async () => {
    await fetch(`${service.url}/robots.txt`);
    const response = await fetch(`${service.url}/whoever_9000_9000.jpg`, { redirect: 'manual' });
    expect(response.status).to.equal(303);
    const access = await service.waitForLog((line) => line.message === 'GET /whoever_9000_9000.jpg 303');
    expect((access?.cache as { outcome: string }).outcome).to.equal('redirect');
  });

  it('logs a client that hangs up during a streamed hit as an abort, not as a server error', async () => {
    const id = 'abort_me';
    const noisy = await sharp({ create: { width: 1500, height: 1500, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    await uploadOriginal(service.url, id, noisy);
    expect((await fetch(`${service.url}/${id}.png`)).status).to.equal(200);
    await settle(service);
    const { port } = new URL(service.url);
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/${id}.png` }, (res) => {
        expect(res.headers['x-cache']).to.equal('HIT');
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    const aborted = await service.waitForLog((line) => line.message === 'client aborted');
    expect(aborted, 'an info line says the client aborted').to.not.equal(undefined);
    expect(service.logs.filter((line) => (line.error as { code?: string } | undefined)?.code === 'INTERNAL' || line['error.code'] === 'INTERNAL')).to.deep.equal([]);
  });

  it('redacts secrets and tokens from request headers', async () => {
    await issueToken(service.url, 'redact-me', { headers: { Authorization: 'Bearer very-secret-value' } });
    await fetch(`${service.url}/redact-me`, { method: 'POST', headers: { 'X-Token': 'token-value-xyz' } });
    await service.waitForLog((line) => line.message === 'POST /redact-me 403');
    const text = service.logs.map((line) => JSON.stringify(line)).join('\n');
    expect(text).to.not.contain('very-secret-value');
    expect(text).to.not.contain('token-value-xyz');
    expect(text).to.contain('[redacted]');
  });

  it('names the address it really bound in the start-up line, every interface included', async () => {
    // Port 0 and only loopback traffic: binding every interface here exposes nothing for long.
    const everywhere = await startTestService({ server: { host: '0.0.0.0', port: 0 } });
    try {
      const line = everywhere.logs.find((entry) => String(entry.message).startsWith('listening on '));
      const port = Number(new URL(everywhere.url).port);
      expect(line?.['server.address']).to.equal('0.0.0.0');
      expect(line?.['server.port']).to.equal(port);
      expect(line?.message).to.equal(`listening on 0.0.0.0:${port} (every IPv4 interface)`);
      expect((await fetch(`${everywhere.url}/healthz`)).status).to.equal(200);
    } finally {
      await everywhere.close();
    }
    const loopback = service.logs.find((entry) => String(entry.message).startsWith('listening on '));
    expect(loopback?.message).to.equal(`listening on 127.0.0.1:${new URL(service.url).port}`);
  });
});
