import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pathOf, type HeaderTarget } from './plain-response.js';
import { responseState, setResponseState, type ResponseState } from './response-state.js';

export interface AccessLogOptions {
  /**
   * Turns a request that express has not prepared into one it has, for the formatter's `req.ip` and `req.hostname`
   * (the trust-proxy rules); run only when the line is written.
   */
  readonly asLogged?: (req: IncomingMessage) => IncomingMessage;
  /** The answer is known to be a success: its line is an `info` line, so below `info` nothing need wait for the close. */
  readonly success?: boolean;
  /** Where `X-Request-Id` is set: the response unless its caller gathers the headers itself (they are then not logged). */
  readonly head?: HeaderTarget;
}

const asIs = (req: IncomingMessage): IncomingMessage => req;

/** A caller-supplied request id is kept (for tracing across proxies) only if it is short and plain. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One access line per request (SPEC §6), written when the response finishes. The raw Node request and
 * response are handed to ecs-pino-format, which turns them into ECS `http.*`, `url.*`, `client.*`
 * fields (pino-http was tried first: it binds an already-serialised request to a child logger, which
 * the ECS formatter does not convert). Secrets in headers are redacted by the root logger.
 */
export function startAccessLog(root: Logger, req: IncomingMessage, res: ServerResponse, options: AccessLogOptions = {}): void {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  (options.head ?? res).setHeader('X-Request-Id', id);
  // Dotted key: the ECS formatter writes its own nested `http` object for the access line. The child is made
  // only when something is logged: at LOG_LEVEL=warn most requests log nothing, and a pino child per request
  // was a measurable share of a cache hit's CPU (docs/adr/0012-performance-levers.md).
  let log: Logger | undefined;
  const state: ResponseState = { logger: () => (log ??= root.child({ 'http.request.id': id })) };
  setResponseState(res, state);
  // Error lines are written at every level pino has; with nothing to write, nothing waits for the close.
  if (!(options.success === true ? logsSuccess(root) : root.isLevelEnabled('error'))) return;
  const asLogged = options.asLogged ?? asIs;
  const started = process.hrtime.bigint();
  res.once('close', () => {
    const level = res.statusCode >= 500 ? 'error' : 'info';
    if (!root.isLevelEnabled(level)) return;
    state.logger()[level](
      {
        req: asLogged(req),
        res,
        event: { duration: Number(process.hrtime.bigint() - started), outcome: res.statusCode < 400 ? 'success' : 'failure' },
        cache: { outcome: state.cacheOutcome },
      },
      `${req.method} ${(req as Partial<Request>).path ?? pathOf(req.url)} ${res.statusCode}`,
    );
  });
}

/**
 * Whether a successful answer gets an access line (`info` enabled). The line lists the response's headers as the
 * response holds them (`getHeaders()`), so they must then be set on the response, not gathered elsewhere.
 */
export function logsSuccess(root: Logger): boolean {
  return root.isLevelEnabled('info');
}

/** `startAccessLog` as express middleware. */
export function accessLog(root: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    startAccessLog(root, req, res);
    next();
  };
}

/** The per-request child logger set up by `accessLog`. */
export function requestLogger(res: ServerResponse): Logger {
  return responseState(res).logger();
}
