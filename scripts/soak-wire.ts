/**
 * Raw HTTP for the soak's hostile mix: what `fetch` cannot do (a body that stops half way, a head sent one
 * byte at a time, a status read while the body is still being written). Every call is bounded in time and
 * resolves with what the client saw; none rejects, so one attack never stops the run.
 */
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the client saw: an HTTP status ("413"), or how the connection ended without one. */
export interface Outcome {
  readonly answer: string;
  readonly ms: number;
}

export const NO_ANSWER = 'no answer in time (client gave up)';
export const HUNG_UP = 'client hung up mid-body (by design)';
export const STILL_OPEN = 'still open when the client gave up';

/**
 * An error as one short line, the service's port left out: after a restart the port changes, and the same
 * failure should count as one kind of answer.
 */
export function errorText(error: unknown): string {
  const text = !(error instanceof Error) ? String(error) : error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  return text.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1');
}

/** POST /token answered something else than 200: that status is the answer of the request that needed it. */
export class TokenRefused extends Error {
  constructor(readonly status: string) {
    super(`POST /token answered ${status}`);
  }
}

/** An upload token for `id`, as the customer's back end gets one (loopback is allowed by default). */
export async function issueToken(base: string, id: string): Promise<string> {
  const issued = await fetch(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
  if (issued.status !== 200) {
    await issued.arrayBuffer();
    throw new TokenRefused(String(issued.status));
  }
  return ((await issued.json()) as { token: string }).token;
}

export interface RawRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A buffer is sent with Content-Length; an iterable is sent chunked, as fast as the service reads it. */
  readonly body?: Buffer | Iterable<Buffer>;
  /** Send only this many bytes of a buffer body, then close the connection (a client that goes away). */
  readonly hangUpAfter?: number;
  readonly timeoutMs: number;
}

/** One request on a connection of its own (no pool: the service may close it at any point). */
export function send(base: string, request: RawRequest): Promise<Outcome> {
  const started = performance.now();
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    let status: string | undefined;
    let settled = false;
    const req = http.request({ host: hostname, port, method: request.method, path: request.path, headers: request.headers, agent: false });
    const finish = (answer: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ answer, ms: performance.now() - started });
      // Whatever is still being written (a refused upload's remaining body) is of no more use.
      req.destroy();
    };
    const timer = setTimeout(() => finish(NO_ANSWER), request.timeoutMs);
    req.on('response', (res) => {
      status = String(res.statusCode);
      // Once the status is known, how the rest of the body ends does not change the answer.
      res.on('error', () => finish(status!));
      res.on('close', () => finish(status!));
      res.resume();
    });
    // A refusal sent while the body is still going out often ends the upload with EPIPE/ECONNRESET after
    // the status arrived: the status is the answer. Without one, the error itself is.
    req.on('error', (error: NodeJS.ErrnoException) => finish(status ?? `closed without an answer (${error.code ?? error.message})`));
    writeBody(req, request, () => finish(HUNG_UP)).catch(() => undefined);
  });
}

/** Write errors surface on the request's 'error' event; a write that can never drain ends with `finish`. */
async function writeBody(req: http.ClientRequest, request: RawRequest, hangUp: () => void): Promise<void> {
  const { body } = request;
  if (body === undefined) {
    req.end();
  } else if (Buffer.isBuffer(body)) {
    if (request.hangUpAfter === undefined) {
      req.end(body);
      return;
    }
    req.write(body.subarray(0, request.hangUpAfter));
    // Let the bytes reach the service before the connection goes, as a client dropping off would.
    await sleep(200);
    hangUp();
  } else {
    for (const chunk of body) {
      if (req.destroyed) return;
      if (!req.write(chunk)) await drainedOrClosed(req);
    }
    req.end();
  }
}

function drainedOrClosed(req: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done).off('close', done);
      resolve();
    };
    req.on('drain', done).on('close', done);
  });
}

export interface Trickle {
  /** Sent at once: the start of a request head (or a whole head, for a slow body). */
  readonly opening: string;
  /** Sent one byte at a time, `everyMs` apart, for as long as the connection lives. */
  readonly drip: string;
  readonly everyMs: number;
  readonly lifetimeMs: number;
  /** Ends the connection early (the phase is over). */
  readonly stop: AbortSignal;
}

/** A slow-loris connection: how long the service keeps it, and the status line it sends (if any) before closing. */
export function trickle(base: string, plan: Trickle): Promise<Outcome> {
  const started = performance.now();
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    let firstLine: string | undefined;
    let settled = false;
    const socket = net.connect({ host: hostname, port: Number(port) });
    const finish = (answer: string): void => {
      if (settled) return;
      settled = true;
      clearInterval(dripper);
      clearTimeout(lifetime);
      plan.stop.removeEventListener('abort', onStop);
      socket.destroy();
      resolve({ answer, ms: performance.now() - started });
    };
    let sent = 0;
    const dripper = setInterval(() => {
      if (!socket.destroyed) socket.write(plan.drip[sent++ % plan.drip.length]!);
    }, plan.everyMs);
    const lifetime = setTimeout(() => finish(firstLine ?? STILL_OPEN), plan.lifetimeMs);
    const onStop = (): void => finish(firstLine ?? STILL_OPEN);
    plan.stop.addEventListener('abort', onStop, { once: true });
    socket.on('connect', () => socket.write(plan.opening));
    if (plan.stop.aborted) finish(STILL_OPEN);
    socket.setEncoding('latin1').on('data', (text: string) => {
      firstLine ??= /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 'bytes that are not an HTTP status line';
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(firstLine ?? `closed without an answer (${error.code ?? error.message})`));
    socket.on('close', () => finish(firstLine ?? 'closed without an answer'));
  });
}
