import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { fixedRoute } from './fixed-routes.js';
import { HttpInputError } from './http-error.js';
import { vary, type HeaderTarget } from './plain-response.js';

/** What a page may read from an answer besides the CORS-safelisted headers (SPEC §7). */
const EXPOSED_HEADERS = 'ETag, X-Cache, X-Redirect-Info, Retry-After';

/**
 * How long a browser may reuse a preflight answer. Two hours is Chromium's own cap (Firefox allows a
 * day); a longer reuse costs nothing in safety: an origin removed from the list is still refused by
 * the actual answer, which no longer names it.
 */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

/** Which answers a page on another origin may read (SPEC §7); `/token` and `DELETE` are for back ends and never answer CORS. */
export type CorsUse = 'read' | 'upload';

/**
 * `cors.allowedOrigins`: explicit origins may read images and upload; `*` lets any page read images but
 * upload from none it does not name. Browsers send `Origin` as `scheme://host[:port]` in lower case.
 */
export class CorsPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly anyOriginReads: boolean;

  constructor(allowedOrigins: readonly string[]) {
    this.origins = new Set(allowedOrigins.filter((origin) => origin !== '*').map((origin) => origin.toLowerCase()));
    this.anyOriginReads = allowedOrigins.includes('*');
  }

  get enabled(): boolean {
    return this.anyOriginReads || this.origins.size > 0;
  }

  /** The `Access-Control-Allow-Origin` value for this use and request origin, or `undefined` (no CORS). */
  allowOrigin(use: CorsUse, origin: string | undefined): string | undefined {
    if (use === 'read' && this.anyOriginReads) return '*';
    return origin !== undefined && this.origins.has(origin.toLowerCase()) ? origin : undefined;
  }

  /** Whether the answer for this use depends on the request's `Origin` (so caches must key on it). */
  variesByOrigin(use: CorsUse): boolean {
    return this.enabled && !(use === 'read' && this.anyOriginReads);
  }
}

/**
 * The CORS headers of an actual answer, set before the route runs so that every status carries them:
 * errors, redirects and 304s too (a page must be able to read a 403's reason or a 503's Retry-After).
 */
export function setCorsHeaders(policy: CorsPolicy, use: CorsUse, req: IncomingMessage, head: HeaderTarget): void {
  if (policy.variesByOrigin(use)) vary(head, 'Origin');
  const allowed = policy.allowOrigin(use, req.headers.origin);
  if (allowed !== undefined) {
    head.setHeader('Access-Control-Allow-Origin', allowed);
    head.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  }
}

/** `setCorsHeaders` as express middleware. */
export function corsHeaders(policy: CorsPolicy, use: CorsUse): RequestHandler {
  return (req, res, next) => {
    setCorsHeaders(policy, use, req, res);
    next();
  };
}

/** What a preflight asks to do: the method decides the use, since `/{id}.{ext}` is both an image and an upload path. */
function preflightUse(method: string): CorsUse | undefined {
  if (method === 'POST') return 'upload';
  if (method === 'GET' || method === 'HEAD') return 'read';
  return undefined;
}

function answerPreflight(res: Response, use: CorsUse, allowed: string): void {
  if (allowed !== '*') vary(res, 'Origin');
  res.setHeader('Access-Control-Allow-Origin', allowed);
  res.setHeader('Access-Control-Allow-Methods', use === 'upload' ? 'POST' : 'GET, HEAD');
  // The upload token travels in X-Token; multipart/form-data itself is a CORS-safelisted content type.
  if (use === 'upload') res.setHeader('Access-Control-Allow-Headers', 'X-Token');
  res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
  res.status(204).end();
}

/**
 * `OPTIONS` preflights for uploads and image reads. An `OPTIONS` that is not a preflight, or one for a
 * fixed route (`/token`, the probes), is left to the routes that follow (no such route). A preflight the
 * policy refuses gets a JSON 403 naming the setting, so a developer with curl sees why; the browser
 * refuses the request either way.
 */
export function corsPreflight(policy: CorsPolicy): (req: Request, res: Response, next: () => void) => void {
  return (req, res, next) => {
    const origin = req.headers.origin;
    const requested = req.headers['access-control-request-method'];
    if (origin === undefined || typeof requested !== 'string' || fixedRoute(req.path) !== undefined) {
      next();
      return;
    }
    const use = preflightUse(requested);
    const allowed = use === undefined ? undefined : policy.allowOrigin(use, origin);
    if (use === undefined) {
      throw new HttpInputError('FORBIDDEN', 'only uploads (POST) and image reads (GET, HEAD) answer pages on other origins');
    }
    if (allowed === undefined) {
      throw new HttpInputError('FORBIDDEN', `pages on this origin may not ${use === 'upload' ? 'upload' : 'read images'} here (cors.allowedOrigins)`);
    }
    answerPreflight(res, use, allowed);
  };
}

/**
 * Images are public by design, so pages that only embed cross-origin resources which opt in
 * (`Cross-Origin-Embedder-Policy: require-corp`) may embed them too.
 */
export function setCrossOriginResourcePolicy(head: HeaderTarget): void {
  head.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

/** `setCrossOriginResourcePolicy` as express middleware. */
export const crossOriginResourcePolicy: RequestHandler = (_req, res, next) => {
  setCrossOriginResourcePolicy(res);
  next();
};
