import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { MULTIPART_ALLOWANCE_BYTES } from '../../../src/adapters/http/upload-body.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { solidJpeg } from '../../support/image-fixtures.js';
import { exchangeRaw } from '../../support/raw-http.js';
import { tokenFor } from '../../support/service-harness.js';

/** Small, so that generated bodies cross the limit without megabytes of traffic. */
const MAX_BYTES = 16 * 1024;
/** Stands for the request's real token inside generated bodies (a `token` field). */
const TOKEN_PLACEHOLDER = Buffer.from('@@TOKEN@@');

interface Part {
  readonly name: string;
  readonly filename: string | undefined;
  readonly type: string | undefined;
  readonly repeatDisposition: boolean;
  readonly content: Buffer;
}

type Mutation =
  | { readonly kind: 'cut' | 'drop-crlf' | 'lf-only' | 'break-boundary'; readonly at: number }
  | { readonly kind: 'overwrite' | 'insert'; readonly at: number; readonly bytes: Uint8Array };

type Framing = 'exact' | 'short' | 'long' | 'none' | 'chunked' | 'chunked-garbled';

const bytes = (max: number): fc.Arbitrary<Buffer> => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));

function partArbitrary(jpeg: Buffer): fc.Arbitrary<Part> {
  return fc.record({
    name: fc.constantFrom('image', 'image', 'image', 'image', 'image', 'token', 'junk', 'note', '', 'IMAGE', 'ima"ge', 'image\r\nX-Evil: 1'),
    filename: fc.option(fc.constantFrom('a.jpg', '', '../../etc/passwd', 'x".jpg', 'é.png'), { nil: undefined }),
    type: fc.option(fc.constantFrom('image/jpeg', 'application/octet-stream', 'text/plain; charset=utf-8', '', 'x'), { nil: undefined }),
    repeatDisposition: fc.nat({ max: 4 }).map((n) => n === 0),
    content: fc.oneof(
      { weight: 8, arbitrary: fc.constant(jpeg) },
      { weight: 2, arbitrary: fc.nat({ max: jpeg.length }).map((n) => jpeg.subarray(0, n)) },
      { weight: 1, arbitrary: fc.constant(TOKEN_PLACEHOLDER) },
      { weight: 2, arbitrary: bytes(2048) },
      { weight: 2, arbitrary: fc.integer({ min: MAX_BYTES - 64, max: MAX_BYTES + MULTIPART_ALLOWANCE_BYTES + 8192 }).map((n) => Buffer.alloc(n, 0x41)) },
    ),
  });
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('cut', 'cut', 'drop-crlf', 'lf-only', 'break-boundary'), at: fc.nat() }),
  fc.record({ kind: fc.constantFrom('overwrite', 'insert'), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
) as fc.Arbitrary<Mutation>;

function serialise(parts: readonly Part[], boundary: string, closed: boolean): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const disposition = `Content-Disposition: form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}\r\n`;
    const head =
      `--${boundary}\r\n${disposition}` +
      (part.repeatDisposition ? `Content-Disposition: form-data; name="other"\r\n` : '') +
      (part.type === undefined ? '' : `Content-Type: ${part.type}\r\n`) +
      '\r\n';
    pieces.push(Buffer.from(head, 'utf8'), part.content, Buffer.from('\r\n'));
  }
  if (closed) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(pieces);
}

/** The index of the `n`th (modulo the count) occurrence of `needle`, or -1 when there is none. */
function nthIndex(haystack: Buffer, needle: string, n: number): number {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found.length === 0 ? -1 : found[n % found.length]!;
}

function mutate(body: Buffer, change: Mutation, boundary: string): Buffer {
  const at = change.at % (body.length + 1);
  switch (change.kind) {
    case 'cut':
      return body.subarray(0, at);
    case 'overwrite':
      return Buffer.concat([body.subarray(0, at), Buffer.from(change.bytes), body.subarray(at + change.bytes.length)]);
    case 'insert':
      return Buffer.concat([body.subarray(0, at), Buffer.from(change.bytes), body.subarray(at)]);
    case 'drop-crlf':
    case 'lf-only': {
      const crlf = nthIndex(body, '\r\n', change.at);
      if (crlf < 0) return body;
      return Buffer.concat([body.subarray(0, crlf), Buffer.from(change.kind === 'lf-only' ? '\n' : ''), body.subarray(crlf + 2)]);
    }
    case 'break-boundary': {
      const found = nthIndex(body, boundary, change.at);
      if (found < 0) return body;
      const copy = Buffer.from(body);
      const flipped = found + (change.at % boundary.length);
      copy[flipped] = copy[flipped]! ^ 0x20;
      return copy;
    }
  }
}

function contentTypeFor(variant: number, boundary: string): string {
  // Boundary characters such as '(' or ':' may only appear quoted (RFC 2046).
  const parameter = /^[A-Za-z0-9'+_.-]+$/.test(boundary) ? boundary : `"${boundary}"`;
  const variants = [
    `multipart/form-data; boundary=${parameter}`,
    `multipart/form-data; boundary="${boundary}"`,
    `multipart/form-data; boundary=${boundary}; boundary=other`,
    'multipart/form-data',
    `multipart/form-data; boundary=${'b'.repeat(200)}`,
    `multipart/mixed; boundary=${boundary}`,
    'text/plain',
    `multipart/form-data; boundary=${boundary}x`,
  ];
  return variant < 16 ? variants[0]! : variants[variant % variants.length]!;
}

function chunked(body: Buffer, sizes: readonly number[], garbled: boolean): Buffer {
  const pieces: Buffer[] = [];
  if (garbled) {
    // Framing the parser must refuse at once, after one good chunk (a size that lies long would only
    // make it wait for more).
    const first = body.subarray(0, sizes[0]);
    const broken = ['zz\r\n', '-1\r\n', '1;\u0000\r\nx\r\n', '1\r\nxy\r\n', '\r\n'][sizes.length % 5]!;
    if (first.length > 0) pieces.push(Buffer.from(`${first.length.toString(16)}\r\n`), first, Buffer.from('\r\n'));
    return Buffer.concat([...pieces, Buffer.from(broken, 'latin1')]);
  }
  let at = 0;
  for (const size of sizes) {
    if (at >= body.length) break;
    const piece = body.subarray(at, at + size);
    pieces.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
    at += piece.length;
  }
  if (at < body.length) pieces.push(Buffer.from(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), Buffer.from('\r\n'));
  pieces.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(pieces);
}

const request = (jpeg: Buffer) =>
  fc.record({
    boundary: fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,40}$/),
    parts: fc.array(partArbitrary(jpeg), { maxLength: 6 }),
    closed: fc.nat({ max: 2 }).map((n) => n > 0),
    mutations: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }),
    framing: fc.constantFrom<Framing>('exact', 'exact', 'exact', 'short', 'long', 'none', 'chunked', 'chunked', 'chunked-garbled'),
    chunkSizes: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 6 }),
    contentType: fc.nat({ max: 20 }),
    tokenHeader: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'none', 'bogus'),
    duplicateContentType: fc.boolean(),
  });

/** Well-formed bodies (an image among other parts, any token placement) so that 201 is reached too. */
const wellFormed = (jpeg: Buffer) =>
  request(jpeg).map((r) => ({
    ...r,
    closed: true,
    mutations: [],
    framing: r.framing === 'chunked' ? r.framing : ('exact' as Framing),
    contentType: 0,
    duplicateContentType: false,
    parts: [
      ...r.parts.filter((p) => /^(junk|note|)$/.test(p.name) && !/"/.test(p.filename ?? '')).map((p) => ({ ...p, repeatDisposition: false })),
      ...(r.tokenHeader === 'none' ? [{ name: 'token', filename: undefined, type: undefined, repeatDisposition: false, content: TOKEN_PLACEHOLDER }] : []),
      { name: 'image', filename: 'a.jpg', type: 'image/jpeg', repeatDisposition: false, content: jpeg },
    ],
  }));

function short(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

describe('multipart fuzzing on the real process: any body gets a 201 or a JSON 4xx, never a crash (SPEC §5.2)', function () {
  this.timeout(180_000);
  let service: ChildService;
  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-mpfuzz-'));
    service = await startChildService({ env: { DATA_DIR: dataDir, UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  });

  after(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers truncated, garbled and mis-framed multipart bodies with 201 or a JSON 4xx, and stays up', async () => {
    const jpeg = await solidJpeg(24, 16);
    // One request known to reach each outcome runs first, so the coverage check below holds on every run;
    // the random ones explore around them.
    const image: Part = { name: 'image', filename: 'a.jpg', type: 'image/jpeg', repeatDisposition: false, content: jpeg };
    const known = {
      boundary: 'XX',
      parts: [image],
      closed: true,
      mutations: [] as Mutation[],
      framing: 'exact' as Framing,
      chunkSizes: [1024],
      contentType: 0,
      tokenHeader: 'valid' as 'valid' | 'none' | 'bogus',
      duplicateContentType: false,
    };
    const examples: Array<[typeof known]> = [
      [known],
      [{ ...known, tokenHeader: 'bogus' as const }],
      [{ ...known, closed: false, parts: [{ ...image, content: jpeg.subarray(0, 8) }] }],
      [{ ...known, framing: 'chunked' as const, parts: [{ ...image, content: Buffer.alloc(MAX_BYTES + MULTIPART_ALLOWANCE_BYTES + 4096, 0x41) }] }],
    ];
    const statuses = new Map<string, number>();
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 3, arbitrary: request(jpeg) }, { weight: 1, arbitrary: wellFormed(jpeg) }), async (r) => {
        serial += 1;
        const id = `fuzz-${serial}`;
        const token = await tokenFor(service.url, id);
        const withToken = r.parts.map((part) => (part.content === TOKEN_PLACEHOLDER ? { ...part, content: Buffer.from(token) } : part));
        let body = serialise(withToken, r.boundary, r.closed);
        for (const change of r.mutations) body = mutate(body, change, r.boundary);
        const contentType = contentTypeFor(r.contentType, r.boundary);
        const head: string[] = [`POST /${id} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', `Content-Type: ${contentType}`];
        if (r.duplicateContentType) head.push('Content-Type: multipart/form-data; boundary=other');
        if (r.tokenHeader !== 'none') head.push(`X-Token: ${r.tokenHeader === 'valid' ? token : 'bogus-token'}`);
        let payload = body;
        if (r.framing === 'exact') head.push(`Content-Length: ${body.length}`);
        if (r.framing === 'short') head.push(`Content-Length: ${Math.floor(body.length / 2)}`);
        if (r.framing === 'long') head.push(`Content-Length: ${body.length + 1 + (r.chunkSizes[0] ?? 0)}`);
        if (r.framing === 'chunked' || r.framing === 'chunked-garbled') {
          head.push('Transfer-Encoding: chunked');
          payload = chunked(body, r.chunkSizes, r.framing === 'chunked-garbled');
        }
        // A client that announces more than it sends can only end the request by closing its side; it gets no answer.
        const halfClose = r.framing === 'long';
        const answer = await exchangeRaw(service.url, `${head.join('\r\n')}\r\n\r\n`, payload, { halfClose });
        const key = `${r.framing} ${answer.status ?? answer.error}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const what = `${r.framing} ${contentType} → ${answer.status} ${answer.error ?? ''} ${short(answer.body)}\nbody: ${short(JSON.stringify(body.toString('latin1')))}`;
        if (halfClose && answer.status === undefined) return;
        expect(answer.status, what).to.be.a('number');
        expect(answer.status, what).to.be.within(200, 499);
        if (answer.status! >= 400) {
          expect(answer.headers['content-type'], what).to.match(/^application\/json/);
          const parsed = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
          expect(parsed.error?.code, what).to.be.a('string');
          expect(parsed.error?.message, what).to.be.a('string');
        }
      }),
      { numRuns: 250, examples },
    );
    const seen = [...statuses.keys()].join(', ');
    // The generators must reach every outcome now and then, or the property proves little.
    for (const status of [201, 400, 403, 413]) expect(seen, seen).to.match(new RegExp(` ${status}\\b`));
    expect(service.process.exitCode, service.stderr()).to.equal(null);
    expect((await fetch(`${service.url}/healthz`)).status).to.equal(200);
    expect(service.stderr()).not.to.match(/Error|uncaught|unhandled/i);
  });
});
