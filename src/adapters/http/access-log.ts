import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

/** A caller-supplied request id is kept (for tracing across proxies) only if it is short and plain. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One access line per request (SPEC §6), written when the response finishes. The raw Node request and
 * response are handed to ecs-pino-format, which turns them into ECS `http.*`, `url.*`, `client.*`
 * fields (pino-http was tried first: it binds an already-serialised request to a child logger, which
 * the ECS formatter does not convert). Secrets in headers are redacted by the root logger.
 */
export function accessLog(root: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.headers['x-request-id'];
    const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('X-Request-Id', id);
    // Dotted key: the ECS formatter writes its own nested `http` object for the access line. The child is made
    // only when something is logged: at LOG_LEVEL=warn most requests log nothing, and a pino child per request
    // was a measurable share of a cache hit's CPU (docs/adr/0012-performance-levers.md).
    let log: Logger | undefined;
    const logger = (): Logger => (log ??= root.child({ 'http.request.id': id }));
    res.locals.logger = logger;
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const level = res.statusCode >= 500 ? 'error' : 'info';
      if (!root.isLevelEnabled(level)) return;
      logger()[level](
        {
          req,
          res,
          event: { duration: Number(process.hrtime.bigint() - started), outcome: res.statusCode < 400 ? 'success' : 'failure' },
          cache: { outcome: res.locals.cacheOutcome },
        },
        `${req.method} ${req.path} ${res.statusCode}`,
      );
    });
    next();
  };
}

/** The per-request child logger set up by `accessLog`. */
export function requestLogger(res: Response): Logger {
  return (res.locals.logger as () => Logger)();
}
