import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { HttpInputError } from './http-error.js';

/**
 * Room for boundaries, part headers and small fields around the image itself: the whole body, all parts
 * together, may be this much larger than `uploads.maxBytes` (SPEC §5.2).
 */
export const MULTIPART_ALLOWANCE_BYTES = 64 * 1024;

/** The image, a token and a few fields a form may add; a body with more parts is not a real upload. */
export const MAX_PARTS = 25;

/** The upload's text fields carry a token or a caption at most; busboy's own default is 1 MiB each. */
const MAX_FIELD_BYTES = 8 * 1024;

/** The most a whole upload body may hold: the image and the allowance. */
export function uploadBodyLimit(maxBytes: number): number {
  return maxBytes + MULTIPART_ALLOWANCE_BYTES;
}

function tooLarge(maxBytes: number): HttpInputError {
  return new HttpInputError('PAYLOAD_TOO_LARGE', `the upload is larger than ${maxBytes} bytes (uploads.maxBytes)`);
}

/**
 * What can be refused from the request head alone (before asking for the body with `100 Continue`):
 * a body that is not multipart, or one whose declared length is already over the limit.
 */
export function checkUploadHead(req: IncomingMessage, maxBytes: number): void {
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpInputError('BAD_UPLOAD', 'uploads must be multipart/form-data with the file in the field "image"');
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > uploadBodyLimit(maxBytes)) throw tooLarge(maxBytes);
}

export interface UploadBody {
  readonly image: Uint8Array;
  /** The text fields, before or after the image (the first value of each name). */
  readonly fields: ReadonlyMap<string, string>;
}

export interface UploadBodyOptions {
  readonly maxBytes: number;
  /**
   * Runs when the `image` part starts, with the fields sent before it; the image is read only once it
   * resolves, and the upload fails with its error when it rejects (e.g. a token field that is not valid).
   */
  readonly beforeImage?: (fields: ReadonlyMap<string, string>) => Promise<void>;
}

/**
 * Reads a multipart upload: the `image` part into memory, text fields into a map, other files skipped.
 * The whole body is bounded while it is read: the moment it grows past `maxBytes` plus the allowance (or
 * the image part past `maxBytes`) the upload is refused with `PAYLOAD_TOO_LARGE` and nothing further is
 * read. Other parts may come before or after the image; more than `MAX_PARTS` is `TOO_MANY_PARTS`.
 */
export function readUploadBody(req: IncomingMessage, options: UploadBodyOptions): Promise<UploadBody> {
  const { maxBytes } = options;
  try {
    checkUploadHead(req, maxBytes);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // Busboy reports its parts limit when the count reaches it, not when it is passed.
      const parts = MAX_PARTS + 1;
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, fieldSize: MAX_FIELD_BYTES, parts } });
    } catch (error) {
      reject(new HttpInputError('BAD_UPLOAD', `malformed multipart request: ${(error as Error).message}`, { cause: error }));
      return;
    }
    const image = new ImageBytes(imageCapacity(req, maxBytes));
    const fields = new Map<string, string>();
    let found = false;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      stopFeeding();
      reject(error);
    };
    const malformed = (error: Error): void =>
      fail(new HttpInputError('BAD_UPLOAD', `malformed multipart request: ${error.message}`, { cause: error }));
    parser.on('field', (name, value) => {
      if (!fields.has(name)) fields.set(name, value);
    });
    parser.on('file', (name, stream) => {
      // Busboy destroys a part's stream with an error when the body ends inside that part ("Unexpected
      // end of form"). An 'error' event without a listener ends the process, so every part gets one.
      stream.on('error', malformed);
      if (name !== 'image' || found) {
        stream.resume();
        return;
      }
      found = true;
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      // Until a 'data' listener is attached the part is not read: busboy's backpressure holds the body.
      const collect = (): void => void stream.on('data', (chunk: Buffer) => image.add(chunk));
      if (options.beforeImage === undefined) collect();
      else options.beforeImage(fields).then(collect, fail);
    });
    parser.on('partsLimit', () =>
      fail(new HttpInputError('TOO_MANY_PARTS', `the upload has more than ${MAX_PARTS} multipart parts; send the image, the token and at most a few fields`)),
    );
    parser.on('error', malformed);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (!found) reject(new HttpInputError('MISSING_IMAGE', 'the upload has no file in the field "image"'));
      else resolve({ image: image.bytes(), fields });
    });
    const stopFeeding = feed(req, parser, uploadBodyLimit(maxBytes), fail, () => fail(tooLarge(maxBytes)));
  });
}

/** The most the image part can hold: the declared body length (it is part of the body), at most `maxBytes`; unknown without one. */
function imageCapacity(req: IncomingMessage, maxBytes: number): number | undefined {
  const declared = Number(req.headers['content-length']);
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBytes) : undefined;
}

/**
 * How much of the declared length must have arrived before a buffer of the whole length is allocated: a client may
 * declare `uploads.maxBytes` and send a few bytes, and must not make the service hold more than four times what it
 * sent.
 */
const FILLED_BEFORE_ALLOCATION = 1 / 4;

/**
 * The image part's bytes. With a declared body length, once a quarter of it has arrived they are copied into one
 * buffer of that length and every later chunk as it arrives, so socket chunks are garbage at once rather than kept
 * until the end (promoted by then, and freed only by a full collection) and copied once more by `Buffer.concat`:
 * an upload of n bytes holds at most 1.25 n, not 2 n, at its peak (ADR 0026, "Peak memory, revisited"). A chunked
 * body keeps its chunks and joins them at the end.
 */
class ImageBytes {
  private buffer: Buffer | undefined;
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private capacity: number | undefined) {}

  add(chunk: Buffer): void {
    const length = this.length + chunk.length;
    if (this.buffer !== undefined && length <= this.buffer.length) {
      chunk.copy(this.buffer, this.length);
    } else {
      if (this.buffer !== undefined) {
        // More than the declared length (a parser that miscounts would be the only way): chunks from here on.
        this.chunks = [this.buffer.subarray(0, this.length)];
        this.buffer = undefined;
        this.capacity = undefined;
      }
      this.chunks.push(chunk);
      if (this.capacity !== undefined && length <= this.capacity && length >= this.capacity * FILLED_BEFORE_ALLOCATION) {
        this.buffer = Buffer.allocUnsafe(this.capacity);
        let at = 0;
        for (const part of this.chunks) at += part.copy(this.buffer, at);
        this.chunks = [];
      }
    }
    this.length = length;
  }

  bytes(): Buffer {
    return this.buffer !== undefined ? this.buffer.subarray(0, this.length) : Buffer.concat(this.chunks, this.length);
  }
}

/**
 * Writes the request body into `parser` (a pipe() that counts): past `limit` bytes, or when the client
 * goes away, it stops and reports. Returns the function that stops feeding and leaves the rest of the
 * body unread.
 */
function feed(
  req: IncomingMessage,
  parser: NodeJS.WritableStream,
  limit: number,
  fail: (error: HttpInputError) => void,
  overLimit: () => void,
): () => void {
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received > limit) {
      overLimit();
      return;
    }
    if (!parser.write(chunk)) req.pause();
  };
  const onDrain = (): void => void req.resume();
  const onEnd = (): void => void parser.end();
  const onAborted = (): void => fail(new HttpInputError('BAD_UPLOAD', 'the client aborted the upload'));
  const onError = (error: Error): void => fail(new HttpInputError('BAD_UPLOAD', 'the upload stream failed', { cause: error }));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onAborted);
  // Stays attached after stopping: a request stream may still fail once nobody reads it.
  req.on('error', onError);
  parser.on('drain', onDrain);
  return () => {
    req.off('data', onData);
    req.off('end', onEnd);
    parser.off('drain', onDrain);
    req.pause();
  };
}
