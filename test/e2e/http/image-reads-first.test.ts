import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { GetRendition } from '../../../src/application/use-cases/get-rendition.js';
import { CorsPolicy } from '../../../src/adapters/http/cors.js';
import { isImageRead } from '../../../src/adapters/http/image-reads-first.js';
import { KnownReads } from '../../../src/adapters/http/known-reads.js';
import { UrlSigningKeys } from '../../../src/adapters/http/url-signing-keys.js';
import { signUrl } from '../../../src/domain/url-signature.js';
import { TOKENS } from '../../../src/infrastructure/di/tokens.js';
import { settle, startTestService, uploadOriginal, type TestService } from '../../support/service-harness.js';
import { uniqueId } from '../../support/unique-id.js';
import { photo } from './core-loop.suite.js';

describe('isImageRead: which requests skip the router (ADR 0024)', () => {
  it('takes GET and HEAD of one path segment with a dot, and nothing else', () => {
    for (const url of ['/a_1_1.jpg', '/a_1_1.jpg?fit=crop&sig=x', '/a.webp', '/a_1_1.bmp', '/.jpg', '/a.json']) {
      expect(isImageRead('GET', url), url).to.equal(true);
      expect(isImageRead('HEAD', url), url).to.equal(true);
    }
    for (const [method, url] of [
      ['POST', '/a.jpg'], ['DELETE', '/a.jpg'], ['OPTIONS', '/a.jpg'], ['GET', '/a'], ['GET', '/healthz'], ['GET', '/token'],
      ['GET', '/robots.txt'], ['GET', '/ROBOTS.TXT'], ['HEAD', '/Favicon.ico'], ['GET', '/a/b.jpg'], ['GET', '/a.jpg/'], ['GET', '/'],
      ['GET', '/?x=a.jpg'], ['GET', undefined],
    ] as const) {
      expect(isImageRead(method, url), `${method} ${url}`).to.equal(false);
    }
  });
});

/** The dotted paths of an object's leaves, e.g. `url.path`. */
function leaves(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? leaves(inner as Record<string, unknown>, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

/** The answers that may differ between two requests: the date, the request id, and nothing else. */
function comparable(response: Response): Record<string, string> {
  const headers = Object.fromEntries(response.headers);
  delete headers.date;
  delete headers['x-request-id'];
  return headers;
}

// At `info` every answer has an access line listing its headers, so answers from memory set them on the response; below
// it they gather them in a list written by one `writeHead` (ADR 0034). Both must answer as the router does.
for (const level of ['info', 'warn'] as const) describe(`image reads ahead of the router answer as the router does (log level ${level})`, function () {
  this.timeout(60_000);
  let service: TestService;
  let routed: Server;
  let routedUrl: string;

  before(async () => {
    service = await startTestService({
      delivery: { publicBaseUrl: 'https://cdn.example.test/r/' },
      cors: { allowedOrigins: ['https://app.example.test'] },
      log: { level },
    });
    // The same express app, listened to without the hot path: every request walks the router.
    routed = createServer(service.container.get(TOKENS.HttpApp));
    await new Promise<void>((resolve) => routed.listen(0, '127.0.0.1', resolve));
    routedUrl = `http://127.0.0.1:${(routed.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => routed?.close(resolve));
    await service?.close();
  });

  it('same status, headers and body for hits, redirects, 304s, proxied hits, image info and errors', async () => {
    const id = uniqueId('fast_');
    await uploadOriginal(service.url, id, await photo(400, 300));
    await (await fetch(`${service.url}/${id}_100_100.jpg`)).arrayBuffer();
    await settle(service);
    const etag = (await fetch(`${service.url}/${id}_100_100.jpg`, { redirect: 'manual' })).headers.get('etag') ?? '';
    const infoEtag = (await fetch(`${service.url}/${id}.json`)).headers.get('etag') ?? '';
    const cases: Array<[string, RequestInit]> = [
      [`/${id}_100_100.jpg`, {}],
      [`/${id}_100_100.jpg`, { method: 'HEAD' }],
      [`/${id}_100_100.jpg`, { headers: { accept: 'text/html', origin: 'https://app.example.test' } }],
      [`/${id}_100_100.jpg`, { headers: { 'if-none-match': etag } }],
      [`/${id}_100_100.jpg?proxy=true`, {}],
      [`/${id}_99999_99999.jpg`, {}],
      [`/${id}_100_100.bmp`, {}],
      [`/${uniqueId('none_')}_100_100.jpg`, { headers: { origin: 'https://elsewhere.example.test' } }],
      [`/${id}.json`, { headers: { origin: 'https://app.example.test' } }],
      [`/${id}.json`, { method: 'HEAD' }],
      [`/${id}.json`, { headers: { 'if-none-match': infoEtag } }],
      [`/${uniqueId('none_')}.json`, {}],
    ];
    const logged = service.logs.length;
    for (const [path, init] of cases) {
      const fast = await fetch(`${service.url}${path}`, { ...init, redirect: 'manual' });
      const slow = await fetch(`${routedUrl}${path}`, { ...init, redirect: 'manual' });
      const label = `${init.method ?? 'GET'} ${path} ${JSON.stringify(init.headers ?? {})}`;
      expect(fast.status, label).to.equal(slow.status);
      expect(comparable(fast), label).to.deep.equal(comparable(slow));
      expect(Buffer.from(await fast.arrayBuffer()).equals(Buffer.from(await slow.arrayBuffer())), label).to.equal(true);
    }
    if (level !== 'info') {
      expect(service.logs.slice(logged).filter((line) => line['log.level'] === 'info'), 'no access lines below info').to.deep.equal([]);
      return;
    }
    // One access line per request on either path, with the same fields.
    const lines = service.logs.filter((line) => line.message === `GET /${id}_100_100.bmp 400`);
    expect(lines).to.have.length(2);
    const fields = (line: Record<string, unknown>): string[] => Object.keys(line).filter((key) => key !== '@timestamp').sort();
    expect(fields(lines[0]!)).to.deep.equal(fields(lines[1]!));
    // A hit answered from memory (ADR 0034) logs what the router's does: the same fields, URL and client.
    const hits = service.logs.slice(logged).filter((line) => line.message === `GET /${id}_100_100.jpg 303`);
    expect(hits.length).to.be.at.least(2);
    // The two servers listen on different ports: url.full and url.port differ, nothing else.
    const shape = (line: Record<string, unknown>) => {
      const { full: _full, port: _port, ...url } = line.url as Record<string, unknown>;
      return { fields: leaves(line).sort(), url, ip: (line.client as { ip?: string } | undefined)?.ip };
    };
    // In the order of the cases: each answered from memory, then through the router.
    expect(hits.length % 2).to.equal(0);
    for (let at = 0; at < hits.length; at += 2) expect(shape(hits[at]!)).to.deep.equal(shape(hits[at + 1]!));
  });
});

describe('known reads: what memory alone answers (ADR 0034)', function () {
  this.timeout(60_000);
  let service: TestService;
  let known: KnownReads;

  before(async () => {
    service = await startTestService({ delivery: { publicBaseUrl: 'https://cdn.example.test/r/' }, signing: { keys: ['known-reads-test-key-0123456789'] } });
    known = new KnownReads({
      getRendition: service.container.get(TOKENS.GetRendition),
      getImageInfo: service.container.get(TOKENS.GetImageInfo),
      logger: pino({ level: 'silent' }),
      cors: new CorsPolicy([]),
      limits: service.config.limits,
      delivery: service.config.delivery,
      signing: new UrlSigningKeys(service.config.signing.keys),
      legacy: false,
      preparedReads: service.config.memory.renditionRows,
    });
  });
  after(async () => service?.close());

  const signed = (path: string): string => signUrl(path, new UrlSigningKeys(service.config.signing.keys).sign);
  const decide = (url: string, headers: Record<string, string> = {}) => known.decide({ url, headers } as unknown as IncomingMessage);

  it('answers a rendition and an info that were read before; leaves misses, bad signatures and errors to the routes', async () => {
    const id = uniqueId('known_');
    await uploadOriginal(service.url, id, await photo(400, 300));
    const hit = signed(`/${id}_100_100.jpg`);
    expect(decide(hit), 'never read: a miss').to.equal(undefined);
    await (await fetch(`${service.url}${hit}`)).arrayBuffer();
    await settle(service);
    expect((await fetch(`${service.url}${hit}`, { redirect: 'manual' })).status).to.equal(303);
    expect(decide(hit)?.route).to.equal('image');
    expect(decide(hit, { 'if-none-match': '"whatever"' })?.route).to.equal('image');
    await (await fetch(`${service.url}/${id}.json`)).arrayBuffer();
    expect(decide(`/${id}.json`)?.route).to.equal('info');

    expect(decide(`/${id}_100_100.jpg`), 'unsigned').to.equal(undefined);
    expect(decide(`${hit.slice(0, -2)}xx`), 'signature mismatch').to.equal(undefined);
    expect(decide(signed(`/${id}_50_50.jpg`)), 'another size, not stored').to.equal(undefined);
    expect(decide(signed(`/${id}_100_100.bmp`)), 'an invalid format').to.equal(undefined);
    expect(decide(`/${uniqueId('none_')}.json`), 'an unknown id').to.equal(undefined);
  });
});

describe('known reads: a failed decision is left to the routes, counted and warned about (ADR 0034)', function () {
  this.timeout(60_000);
  let service: TestService;

  before(async () => {
    service = await startTestService({ delivery: { publicBaseUrl: 'https://cdn.example.test/r/' } });
  });
  after(async () => service?.close());

  const failures = async (): Promise<number> => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    return Number(/^lir_known_read_failures_total (\d+)$/m.exec(text)?.[1]);
  };

  it('answers as before, moves lir_known_read_failures_total and writes one warning for a failure that repeats', async () => {
    const id = uniqueId('failing_');
    await uploadOriginal(service.url, id, await photo(400, 300));
    await (await fetch(`${service.url}/${id}_100_100.jpg`)).arrayBuffer();
    await settle(service);
    const before = await fetch(`${service.url}/${id}_100_100.jpg`, { redirect: 'manual' });
    expect(before.status).to.equal(303);
    expect(await failures()).to.equal(0);

    // The instance the running service's known reads hold, made to fail as a bug in it would.
    const getRendition = service.container.get(TOKENS.GetRendition);
    const known = getRendition.known;
    getRendition.known = () => {
      throw new TypeError('a bug in known');
    };
    try {
      for (let request = 0; request < 3; request++) {
        const answer = await fetch(`${service.url}/${id}_100_100.jpg`, { redirect: 'manual' });
        expect(answer.status).to.equal(303);
        expect(answer.headers.get('location')).to.equal(before.headers.get('location'));
        expect(answer.headers.get('etag')).to.equal(before.headers.get('etag'));
      }
    } finally {
      getRendition.known = known;
    }
    expect(await failures()).to.equal(3);
    const warnings = service.logs.filter((line) => line['log.level'] === 'warn' && (line.error as { message?: string } | undefined)?.message === 'a bug in known');
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.deep.include({ message: 'a read from memory failed and was left to the routes (warned once a minute per message)' });
    expect(warnings[0]!.error).to.include({ type: 'TypeError' });
    expect(warnings[0]!.url).to.deep.include({ path: `/${id}_100_100.jpg` });
  });

  it('warns once per distinct message per minute, ten messages a minute at most', () => {
    const lines: Array<{ msg: string; err?: { message: string } }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as (typeof lines)[number]);
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    let message = 'first';
    let now = 0;
    let counted = 0;
    const reads = new KnownReads({
      getRendition: {
        known: () => {
          throw new Error(message);
        },
      } as unknown as GetRendition,
      getImageInfo: service.container.get(TOKENS.GetImageInfo),
      logger,
      cors: new CorsPolicy([]),
      limits: service.config.limits,
      delivery: service.config.delivery,
      signing: undefined,
      legacy: false,
      preparedReads: 100,
      onFailure: () => counted++,
      now: () => now,
    });
    const decide = () => reads.decide({ url: '/some-id_10_10.jpg', headers: {} } as unknown as IncomingMessage);
    const warned = () => lines.map((line) => line.err?.message);
    expect(decide()).to.equal(undefined);
    expect(decide()).to.equal(undefined);
    expect(warned()).to.deep.equal(['first']);
    message = 'second';
    decide();
    now = 59_999;
    message = 'first';
    decide();
    expect(warned()).to.deep.equal(['first', 'second']);
    now = 60_000;
    decide();
    expect(warned()).to.deep.equal(['first', 'second', 'first']);
    for (let distinct = 0; distinct < 20; distinct++) {
      message = `varying ${distinct}`;
      decide();
    }
    expect(warned()).to.have.length(12);
    expect(counted).to.equal(25);
  });
});

describe('known reads keep as many parsed URLs as memory.renditionRows (ADR 0034)', function () {
  this.timeout(60_000);
  let service: TestService;

  before(async () => {
    service = await startTestService({ memory: { renditionRows: 0 } });
  });
  after(async () => service?.close());

  /**
   * Known reads over a `GetRendition` that records the request objects it is handed and answers each from memory (a
   * decision is made, nothing is written), or none when `answers` is false.
   */
  function recording(preparedReads: number, answers = true) {
    const requests: unknown[] = [];
    const reads = new KnownReads({
      getRendition: {
        known: (input: { request: unknown }) => {
          requests.push(input.request);
          return answers ? { kind: 'not-modified' } : undefined;
        },
      } as unknown as GetRendition,
      getImageInfo: service.container.get(TOKENS.GetImageInfo),
      logger: pino({ level: 'silent' }),
      cors: new CorsPolicy([]),
      limits: service.config.limits,
      delivery: service.config.delivery,
      signing: undefined,
      legacy: false,
      preparedReads,
    });
    const read = (url: string) => reads.decide({ url, headers: {} } as unknown as IncomingMessage);
    return { requests, read };
  }

  it('reads a URL again from its kept parse while it is among the last preparedReads, and parses it afresh after', () => {
    for (const [preparedReads, kept] of [[3, true], [2, false]] as const) {
      const { requests, read } = recording(preparedReads);
      for (const url of ['/a_10_10.jpg', '/b_10_10.jpg', '/c_10_10.jpg', '/a_10_10.jpg']) read(url);
      expect(requests).to.have.length(4);
      expect(requests[3] === requests[0], `${preparedReads} kept: the same request object`).to.equal(kept);
    }
  });

  it('keeps no parse of a URL that memory did not answer (a miss), so URLs read once hold nothing', () => {
    const { requests, read } = recording(3, false);
    for (const url of ['/a_10_10.jpg', '/a_10_10.jpg']) expect(read(url)).to.equal(undefined);
    expect(requests).to.have.length(2);
    expect(requests[1] === requests[0], 'parsed afresh').to.equal(false);
  });

  it('with memory.renditionRows = 0, leaves image reads to the routes without parsing them, and still answers image info from memory', async () => {
    const { requests, read } = recording(0);
    expect(read('/a_10_10.jpg')).to.equal(undefined);
    expect(requests).to.have.length(0);

    const id = uniqueId('norows_');
    await uploadOriginal(service.url, id, await photo(400, 300));
    await (await fetch(`${service.url}/${id}_100_100.jpg`)).arrayBuffer();
    await settle(service);
    const getRendition = service.container.get(TOKENS.GetRendition);
    const known = getRendition.known;
    let asked = 0;
    getRendition.known = (input) => {
      asked++;
      return known.call(getRendition, input);
    };
    try {
      expect((await fetch(`${service.url}/${id}_100_100.jpg`, { redirect: 'manual' })).status).to.equal(200);
      expect(asked, 'the running service never asks').to.equal(0);
    } finally {
      getRendition.known = known;
    }
    await (await fetch(`${service.url}/${id}.json`)).arrayBuffer();
    const info = recording(0).read(`/${id}.json`);
    expect(info?.route).to.equal('info');
  });
});
