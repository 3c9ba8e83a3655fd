import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { photo } from './core-loop.suite.js';

/** The one original that exists, so that some generated requests are valid renders. */
const KNOWN_ID = 'fuzz_known';

/** Node's HTTP client refuses request targets with characters outside U+0021…U+00FF (sent as latin1). */
function sendable(text: string): string {
  return [...text].map((ch) => (ch >= '\u0021' && ch <= '\u00ff' ? ch : encodeURIComponent(ch))).join('');
}

const tricky = fc.constantFrom(
  '..', '.', '/', '//', '%2F', '%2f', '%2E%2E', '%2e%2e%2f', '%00', '%', '%Z', '%ZZ', '%C3%A9', '%FF', '%E2%80%AE', '%25',
  '\\', '..\\', '~', '_', '__', '-', '0', '00', '-1', '1e3', '0x10', '4097', '99999999999999999999', 'NaN', 'Infinity',
  '1.5x', '2.625x', '0x', '11x', 'x', '.jpg', '.jpeg', '.png', '.webp', '.avif', '.gif', '.tiff', '.bmp', '.svg', '.JPG', '.',
  ';', ':', '@', '&', '=', '+', ',', '!', '$', "'", '(', ')', '*', '"', '<', '>', '`', '{', '}', '|', '^', '[', ']',
);

const piece = fc.oneof(
  { weight: 4, arbitrary: tricky },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/) },
  { weight: 1, arbitrary: fc.constant(KNOWN_ID) },
  { weight: 1, arbitrary: fc.nat({ max: 5000 }).map(String) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).map(sendable) },
);

/** Long values, up to a few kilobytes (Node's own header limit, 16 KiB, is not what is under test). */
const long = fc.tuple(piece, fc.integer({ min: 50, max: 1500 })).map(([p, n]) => p.repeat(n).slice(0, 6000));

/** Mostly the URL grammar's shape `/{id}_{w}_{h}[_{s}x].{fmt}`, with any part replaced by junk. */
const shapedPath = fc
  .record({
    id: fc.oneof(fc.constant(KNOWN_ID), piece, long),
    w: fc.oneof(fc.nat({ max: 5000 }).map(String), piece),
    h: fc.oneof(fc.nat({ max: 5000 }).map(String), piece),
    scale: fc.option(fc.oneof(fc.constantFrom('1x', '1.5x', '2x', '4x', '4.01x', '0.5x'), piece), { nil: undefined }),
    ext: fc.oneof(fc.constantFrom('jpg', 'jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'), piece),
  })
  .map(({ id, w, h, scale, ext }) => `/${id}_${w}_${h}${scale === undefined ? '' : `_${scale}`}.${ext}`);

const freePath = fc.oneof(
  fc.array(fc.oneof(piece, long), { minLength: 0, maxLength: 8 }).map((parts) => `/${parts.join('')}`),
  fc.webPath().map((p) => (p.startsWith('/') ? sendable(p) : `/${sendable(p)}`)),
  fc.constantFrom('/', '//', '/.', '/..', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/token', '/healthz/', '/metrics/x', '/robots.txt.jpg'),
);

const key = fc.oneof(fc.constantFrom('fit', 'gravity', 'quality', 'blur', 'bg', 'proxy', 'auto', 'w', 'fit[]', '__proto__', 'constructor', ''), piece);
const value = fc.oneof(
  fc.constantFrom('clip', 'crop', 'canvas', 'cover', 'center', 'entropy', 'attention', 'northeast', 'true', 'false', 'format', '50', '0', '101', '0.3', '100.1', 'fff', 'ff00ff80', '#fff', 'zzzzzz'),
  piece,
  long,
);
const query = fc.oneof(
  fc.array(fc.tuple(key, value), { maxLength: 10 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  fc.array(fc.tuple(key, value), { maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}&${k}=${v}${v}`).join('&')),
  fc.webQueryParameters().map(sendable),
  fc.constantFrom('&', '&&', '=', '==', '?', 'fit', 'fit=', '=crop', '%', 'fit=%ZZ', 'fit=%00'),
);

/** Node's own limit on the request head is 16 KiB (answered with a bare 431); stay below it. */
const MAX_TARGET = 8000;

const target = fc
  .tuple(fc.oneof({ weight: 3, arbitrary: shapedPath }, { weight: 2, arbitrary: freePath }), fc.option(query, { nil: undefined }))
  .map(([path, q]) => (q === undefined ? path : `${path}?${q}`).slice(0, MAX_TARGET));

interface Answer {
  readonly status: number;
  readonly type: string | undefined;
  readonly body: string;
  readonly headers: Record<string, unknown>;
}

/** One request on a fresh connection, the target sent exactly as given (fetch would normalise it). */
function send(base: string, method: string, path: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function short(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

const method = fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'DELETE', 'POST');

describe('router fuzzing: any path or option string gets a 2xx/3xx/4xx, never a 5xx (SPEC §2)', function () {
  this.timeout(180_000);
  let service: TestService;
  const clientErrors: string[] = [];

  before(async () => {
    // Small limits keep valid renders tiny and quick: larger boxes are answered with a redirect.
    service = await startTestService({ limits: { maxWidth: 64, maxHeight: 64 } });
    await uploadOriginal(service.url, KNOWN_ID, await photo(48, 32));
    // Requests Node's own parser refuses never reach express (the service answers them with a JSON
    // 400 itself); record why, so that a failure says so.
    service.server.on('clientError', (err: NodeJS.ErrnoException) => {
      clientErrors.push(`${err.code ?? 'unknown'}: ${err.message}`);
    });
  });
  after(async () => service?.close());

  it('answers every generated request with < 500, and every 4xx with a JSON error', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(method, target, async (verb, path) => {
        const response = await send(service.url, verb, path);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const what = `${verb} ${short(path)} → ${response.status} ${response.type ?? '(no type)'} ${short(response.body)} parser errors: ${JSON.stringify(clientErrors)}`;
        expect(response.status, what).to.be.within(200, 499);
        if (response.status >= 400 && verb !== 'HEAD') {
          expect(response.type, what).to.match(/^application\/json/);
          const body = JSON.parse(response.body) as { error?: { code?: unknown; message?: unknown } };
          expect(body.error?.code, what).to.be.a('string');
          expect(body.error?.message, what).to.be.a('string');
        }
      }),
      { numRuns: 300 },
    );
    // The generators must reach past the parser now and then, or the property proves little.
    const statusList = [...statuses.keys()];
    expect(statusList.some((s) => s < 400), JSON.stringify([...statuses])).to.equal(true);
    expect(statusList.filter((s) => s >= 400).length, JSON.stringify([...statuses])).to.be.at.least(2);
    expect((await fetch(`${service.url}/healthz`)).status).to.equal(200);
  });

  it('answers requests that are not valid HTTP with a JSON 400 as well', async () => {
    const { port } = new URL(service.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /a\u0001b_1_1.jpg HTTP/1.1\r\nHost: x\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).to.match(/^HTTP\/1\.1 400 /);
    expect(raw).to.match(/content-type: application\/json/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).to.deep.nested.include({ 'error.code': 'MALFORMED_REQUEST' });
  });
});
