import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { HttpInputError } from './http-error.js';

/** Room for multipart boundaries and headers around the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Reads the `image` part of a multipart upload into memory, enforcing `maxBytes` while reading: the
 * moment the part grows past it the request is abandoned with `PAYLOAD_TOO_LARGE`, and nothing
 * further is read. Other parts are drained and ignored.
 */
export function readImagePart(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    return Promise.reject(new HttpInputError('BAD_UPLOAD', 'uploads must be multipart/form-data with the file in the field "image"'));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    return Promise.reject(new HttpInputError('PAYLOAD_TOO_LARGE', `the upload is larger than ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 20, parts: 25 } });
    } catch (error) {
      reject(new HttpInputError('BAD_UPLOAD', `malformed multipart request: ${(error as Error).message}`, { cause: error }));
      return;
    }
    const chunks: Buffer[] = [];
    let found = false;
    let settled = false;
    const fail = (error: HttpInputError): void => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      reject(error);
    };
    const malformed = (error: Error): void =>
      fail(new HttpInputError('BAD_UPLOAD', `malformed multipart request: ${error.message}`, { cause: error }));
    parser.on('file', (name, stream) => {
      // Busboy destroys a part's stream with an error when the body ends inside that part ("Unexpected
      // end of form"). An 'error' event without a listener ends the process, so every part gets one.
      stream.on('error', malformed);
      if (name !== 'image' || found) {
        stream.resume();
        return;
      }
      found = true;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new HttpInputError('PAYLOAD_TOO_LARGE', `the upload is larger than ${maxBytes} bytes`)));
    });
    parser.on('error', malformed);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (!found) reject(new HttpInputError('MISSING_IMAGE', 'the upload has no file in the field "image"'));
      else resolve(Buffer.concat(chunks));
    });
    req.on('aborted', () => fail(new HttpInputError('BAD_UPLOAD', 'the client aborted the upload')));
    req.on('error', (error: Error) => fail(new HttpInputError('BAD_UPLOAD', 'the upload stream failed', { cause: error })));
    req.pipe(parser);
  });
}
