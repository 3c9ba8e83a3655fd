import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { FIXED_ROUTES } from './fixed-routes.js';
import type { KnownReads } from './known-reads.js';

/** Fixed routes that look like files: a request for one of them is never an image read. */
const FIXED_FILES: ReadonlySet<string> = new Set(Object.keys(FIXED_ROUTES).filter((path) => path.includes('.')));

/**
 * Whether a request can only be an image read (`GET|HEAD /{name}.{ext}`): a single path segment with a dot that
 * is not a fixed route in any letter case (express matches fixed routes case-insensitively). Everything else,
 * `/{id}` without an extension included, goes through the router as before.
 */
export function isImageRead(method: string | undefined, url: string | undefined): boolean {
  if ((method !== 'GET' && method !== 'HEAD') || url === undefined) return false;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  return path.lastIndexOf('/') === 0 && path.includes('.') && !FIXED_FILES.has(path.toLowerCase());
}

/**
 * The request listener of the standalone server: image reads are answered from memory when they can be
 * (`KnownReads`, ADR 0034), else run `chain` (the handlers express would run for them, in the same order)
 * directly, ahead of express's router, which walks every route for each request; everything else is express's.
 * For the chain, the request and response are prepared exactly as express's `app.handle` and router prepare them
 * (the app's request/response prototypes, `res.locals`, `req.baseUrl`, `req.originalUrl`), so the handlers, their
 * headers, logs, metrics and errors are the same code with the same results (ADR 0024).
 */
export function imageReadsFirst(app: Express, chain: readonly RequestHandler[], onError: ErrorRequestHandler, known?: KnownReads): RequestListener {
  return (incoming: IncomingMessage, outgoing: ServerResponse) => {
    if (!isImageRead(incoming.method, incoming.url)) {
      app(incoming, outgoing);
      return;
    }
    const decision = known?.decide(incoming);
    if (decision === undefined) {
      runChain(app, chain, onError, incoming, outgoing);
      return;
    }
    try {
      known!.answer(incoming, outgoing, decision);
    } catch (error) {
      // Writing an answer already decided does not fail in practice; if it does, it is answered like a route's error.
      const { req, res } = asExpress(app, incoming, outgoing);
      try {
        void onError(error, req, res, () => undefined);
      } catch {
        res.destroy();
      }
    }
  };
}

function runChain(app: Express, chain: readonly RequestHandler[], onError: ErrorRequestHandler, incoming: IncomingMessage, outgoing: ServerResponse): void {
  const { req, res } = asExpress(app, incoming, outgoing);
  const fail = (error: unknown): void => {
    void onError(error, req, res, () => undefined);
  };
  const run = (at: number): void => {
    const handler = chain[at];
    if (handler === undefined) return;
    const next: NextFunction = (error?: unknown) => {
      if (error === undefined || error === 'route') run(at + 1);
      else fail(error);
    };
    try {
      const result = handler(req, res, next) as unknown;
      // express 5 hands a rejected promise to the error handlers, as here.
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  };
  req.next = (error?: unknown) => {
    if (error !== undefined) fail(error);
  };
  run(0);
}

function asExpress(app: Express, incoming: IncomingMessage, outgoing: ServerResponse): { req: Request; res: Response } {
  Object.setPrototypeOf(incoming, app.request);
  Object.setPrototypeOf(outgoing, app.response);
  const req = incoming as Request;
  const res = outgoing as Response;
  (req as { res?: Response }).res = res;
  (res as { req?: Request }).req = req;
  res.locals = Object.create(null) as Response['locals'];
  req.originalUrl = req.url;
  req.baseUrl = '';
  req.params = {};
  return { req, res };
}
