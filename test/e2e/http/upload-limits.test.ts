import { createHash } from 'node:crypto';
import { expect } from 'chai';
import sharp from 'sharp';
import { MAX_PARTS, MULTIPART_ALLOWANCE_BYTES } from '../../../src/adapters/http/upload-body.js';
import { solidJpeg } from '../../support/image-fixtures.js';
import { exchangeRaw, type RawExchange } from '../../support/raw-http.js';
import { startTestService, tokenFor, type TestService } from '../../support/service-harness.js';

const MAX_BYTES = 32 * 1024;
const BOUNDARY = 'limit-boundary';

function part(name: string, content: Buffer | string, filename?: string): Buffer {
  const disposition = `form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`;
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n')]);
}

const closing = Buffer.from(`--${BOUNDARY}--\r\n`);

function chunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);
}

/**
 * Sends the body chunked, without a Content-Length, as a client streaming a large form does. With
 * `unfinished` the final chunk is never sent: only a server that stops at its limit can answer.
 */
function postChunked(service: TestService, id: string, token: string, parts: Buffer[], unfinished = false): Promise<RawExchange> {
  const head =
    `POST /${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Token: ${token}\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const body = Buffer.concat([...parts.map(chunk), ...(unfinished ? [] : [chunk(closing), Buffer.from('0\r\n\r\n')])]);
  return exchangeRaw(service.url, head, body);
}

function errorCode(answer: RawExchange): unknown {
  expect(answer.headers['content-type'], answer.body).to.match(/^application\/json/);
  return (JSON.parse(answer.body) as { error: { code: unknown } }).error.code;
}

describe('e2e: the whole upload body is bounded, whatever its parts (SPEC §5.2)', function () {
  this.timeout(60_000);
  let service: TestService;
  let jpeg: Buffer;

  before(async () => {
    service = await startTestService({ uploads: { maxBytes: MAX_BYTES } });
    jpeg = await solidJpeg(40, 30);
  });
  after(async () => service?.close());

  it('refuses with 413 a chunked body whose extra file part runs past the limit, without waiting for its end', async () => {
    const token = await tokenFor(service.url, 'limits-junk-file');
    const junk = Buffer.alloc(MAX_BYTES + MULTIPART_ALLOWANCE_BYTES, 0x6a);
    const answer = await postChunked(service, 'limits-junk-file', token, [part('image', jpeg, 'a.jpg'), part('junk', junk, 'junk.bin')], true);
    expect(answer.status, answer.body).to.equal(413);
    expect(errorCode(answer)).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('refuses with 413 a text field that runs past the limit, without waiting for its end', async () => {
    const token = await tokenFor(service.url, 'limits-junk-field');
    const field = Buffer.alloc(MAX_BYTES + MULTIPART_ALLOWANCE_BYTES, 0x61);
    const answer = await postChunked(service, 'limits-junk-field', token, [part('caption', field), part('image', jpeg, 'a.jpg')], true);
    expect(answer.status, answer.body).to.equal(413);
    expect(errorCode(answer)).to.equal('PAYLOAD_TOO_LARGE');
  });

  it('stores the image byte for byte, from a body of declared length or a chunked one, read in many pieces', async () => {
    // Noise, so that the image is many kilobytes: many pieces, each copied to its own place.
    const noise = { type: 'gaussian' as const, mean: 128, sigma: 40 };
    const image = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#888', noise } }).jpeg({ quality: 80 }).toBuffer();
    expect(image.length).to.be.within(8 * 1024, MAX_BYTES);
    const version = createHash('sha256').update(image).digest('hex');
    const imagePart = part('image', image, 'a.jpg');
    const pieces = Array.from({ length: Math.ceil(imagePart.length / 1000) }, (_, i) => imagePart.subarray(i * 1000, (i + 1) * 1000));
    const declared = Buffer.concat([imagePart, closing]);
    const answers = {
      chunked: await postChunked(service, 'limits-pieces-chunked', await tokenFor(service.url, 'limits-pieces-chunked'), pieces),
      declared: await exchangeRaw(
        service.url,
        `POST /limits-pieces-declared HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Token: ${await tokenFor(service.url, 'limits-pieces-declared')}\r\n` +
          `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${declared.length}\r\n\r\n`,
        declared,
        { pieceBytes: 1000 },
      ),
    };
    for (const [framing, answer] of Object.entries(answers)) {
      expect(answer.status, `${framing}: ${answer.body}`).to.equal(201);
      expect(JSON.parse(answer.body), framing).to.include({ bytes: image.length, original_width: 200, original_height: 150 });
      // The info document's ETag starts with the stored bytes' content version (their SHA-256).
      const etag = (await fetch(`${service.url}/limits-pieces-${framing}.json`)).headers.get('etag');
      expect(etag, framing).to.match(new RegExp(`^"${version.slice(0, 16)}-`));
    }
  });

  it('accepts other parts, files and fields, before the image', async () => {
    const token = await tokenFor(service.url, 'limits-parts-first');
    const answer = await postChunked(service, 'limits-parts-first', token, [
      part('caption', 'a holiday'),
      part('thumbnail', Buffer.alloc(2048, 1), 'thumb.bin'),
      part('image', jpeg, 'a.jpg'),
      part('after', 'more'),
    ]);
    expect(answer.status, answer.body).to.equal(201);
    expect(JSON.parse(answer.body)).to.include({ original_width: 40, original_height: 30 });
  });

  it(`accepts ${MAX_PARTS} parts and refuses more with TOO_MANY_PARTS, naming the limit`, async () => {
    const fields = (count: number): Buffer[] => Array.from({ length: count }, (_, i) => part(`field${i}`, 'x'));
    const atLimit = await postChunked(service, 'limits-parts-ok', await tokenFor(service.url, 'limits-parts-ok'), [
      ...fields(MAX_PARTS - 1),
      part('image', jpeg, 'a.jpg'),
    ]);
    expect(atLimit.status, atLimit.body).to.equal(201);

    const token = await tokenFor(service.url, 'limits-parts-many');
    const answer = await postChunked(service, 'limits-parts-many', token, [...fields(MAX_PARTS), part('image', jpeg, 'a.jpg')]);
    expect(answer.status, answer.body).to.equal(400);
    expect(errorCode(answer)).to.equal('TOO_MANY_PARTS');
    expect(answer.body).to.include(String(MAX_PARTS));
  });
});
