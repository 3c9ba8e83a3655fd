import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ImageId } from '../../domain/image-id.js';
import { isImageId } from '../../domain/image-id.js';
import { ImageRequest } from '../../domain/image-request.js';
import type { Limits } from '../../domain/limits.js';
import type { CheckReadiness } from '../../application/use-cases/check-readiness.js';
import type { DeleteImage } from '../../application/use-cases/delete-image.js';
import type { GetRendition, GetRenditionOutput } from '../../application/use-cases/get-rendition.js';
import type { IssueToken } from '../../application/use-cases/issue-token.js';
import type { UploadOriginal } from '../../application/use-cases/upload-original.js';
import { acceptedFormats, entityTags } from './accept-header.js';
import { CallerGuard, parseCidrList } from './caller-guard.js';
import { toErrorResponse } from './error-table.js';
import { HttpInputError } from './http-error.js';
import { accessLog, requestLogger } from './access-log.js';
import { readImagePart } from './upload-body.js';

export interface HttpSettings {
  readonly limits: Limits;
  readonly trustedProxies: readonly string[];
  readonly allowIndexing: boolean;
  readonly uploads: { readonly maxBytes: number };
  readonly tokens: { readonly allowFrom: readonly string[]; readonly secret: string | undefined };
  readonly delivery: {
    readonly mode: 'redirect' | 'proxy';
    readonly redirectStatus: number;
    readonly redirectMaxAge: number;
  };
}

export interface HttpDependencies {
  readonly issueToken: IssueToken;
  readonly uploadOriginal: UploadOriginal;
  readonly getRendition: GetRendition;
  readonly deleteImage: DeleteImage;
  readonly checkReadiness: CheckReadiness;
  readonly logger: Logger;
  readonly settings: HttpSettings;
  /** Prometheus exposition for `GET /metrics`; the route answers 404 when absent. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> };
  /** Called once per answered image request with its cache outcome (for metrics). */
  readonly onImageResponse?: (outcome: CacheOutcome, status: number) => void;
  /** Called once per finished request (for metrics); `route` and `method` come from closed sets. */
  readonly onResponse?: (route: RouteLabel, method: string, status: number, seconds: number) => void;
}

export type RouteLabel = 'healthz' | 'readyz' | 'metrics' | 'robots' | 'favicon' | 'token' | 'image' | 'upload' | 'delete' | 'other';

const FIXED_ROUTES: Readonly<Record<string, RouteLabel>> = {
  '/healthz': 'healthz',
  '/readyz': 'readyz',
  '/metrics': 'metrics',
  '/robots.txt': 'robots',
  '/favicon.ico': 'favicon',
  '/token': 'token',
};

const METHODS = new Set(['GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);

/** A label per route, never the raw path: metrics series must not grow with what clients send. */
function routeLabel(method: string, path: string): RouteLabel {
  if (Object.hasOwn(FIXED_ROUTES, path)) return FIXED_ROUTES[path]!;
  if (method === 'GET' || method === 'HEAD') return 'image';
  if (method === 'POST') return 'upload';
  if (method === 'DELETE') return 'delete';
  return 'other';
}

export type CacheOutcome = 'hit' | 'miss' | 'coalesced' | 'redirect' | 'not-modified';

/** A year: a rendition's URL names its exact bytes (the key includes the original's content version). */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Dates as ISO-8601 in JSON bodies. */
function json(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(body));
}

/** The id part of `/{id}` or `/{id}.{ext}` for uploads and deletes. */
function idFromPath(path: string): ImageId {
  const name = path.slice(1);
  const dot = name.indexOf('.');
  const id = dot < 0 ? name : name.slice(0, dot);
  if (!isImageId(id) || (dot >= 0 && !/^[a-z0-9]{1,5}$/i.test(name.slice(dot + 1)))) {
    throw new HttpInputError('BAD_UPLOAD', 'the path must be /{id} or /{id}.{ext}, id of 1–128 characters A–Z a–z 0–9 _ -');
  }
  return id;
}

function rawQuery(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at < 0 ? '' : req.originalUrl.slice(at + 1);
}

/**
 * The driving HTTP adapter (SPEC §2, §4, §5, §6): plain express 5, one error table, JSON errors.
 */
export function createHttpApp(deps: HttpDependencies): express.Express {
  const { settings } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // X-Forwarded-For is believed only from these proxies; `req.ip` is the client address otherwise.
  app.set('trust proxy', settings.trustedProxies.length > 0 ? (address: string) => isTrusted(address) : false);
  const trusted = settings.trustedProxies.length > 0 ? parseCidrList(settings.trustedProxies) : undefined;
  const isTrusted = (address: string): boolean => {
    const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
    return trusted?.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4') ?? false;
  };
  const guard = new CallerGuard(settings.tokens);

  const onResponse = deps.onResponse;
  if (onResponse !== undefined) {
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      const route = routeLabel(req.method, req.path);
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      res.once('close', () => onResponse(route, method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
      next();
    });
  }
  app.use(accessLog(deps.logger));

  app.get('/healthz', (_req, res) => json(res, 200, { status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const report = await deps.checkReadiness.execute();
    json(res, report.ready ? 200 : 503, { status: report.ready ? 'ok' : 'unavailable', checks: report.checks });
  });
  app.get('/robots.txt', (_req, res) => {
    res.type('text/plain').send(settings.allowIndexing ? 'User-agent: *\nAllow: /\n' : 'User-agent: *\nDisallow: /\n');
  });
  app.get('/favicon.ico', (_req, res) => json(res, 404, { error: { code: 'NOT_FOUND', message: 'no favicon here' } }));
  app.get('/metrics', async (_req, res) => {
    if (!deps.metrics) throw new HttpInputError('NO_ROUTE', 'metrics are not enabled');
    res.type(deps.metrics.contentType).send(await deps.metrics.render());
  });

  app.post('/token', express.json({ limit: '4kb', strict: true }), async (req, res) => {
    guard.check(req.ip, req.headers.authorization);
    const id: unknown = (req.body as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string' || !isImageId(id)) {
      throw new HttpInputError('INVALID_JSON', 'send JSON {"id": "..."} with an id of 1–128 characters A–Z a–z 0–9 _ -');
    }
    const issued = await deps.issueToken.execute({ id });
    json(res, 200, { token: issued.token, id: issued.id, expiresAt: issued.expiresAt.toISOString() });
  });

  app.use(async (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return serveImage(req, res);
    if (req.method === 'POST') return upload(req, res);
    if (req.method === 'DELETE') return remove(req, res);
    next();
  });

  async function upload(req: Request, res: Response): Promise<void> {
    const id = idFromPath(req.path);
    const header = req.headers['x-token'];
    const token = typeof header === 'string' ? header : undefined;
    let bytes: Uint8Array;
    try {
      // An upload without a valid token is refused before a byte of its body is read.
      await deps.uploadOriginal.authorize({ id, token });
      bytes = await readImagePart(req, settings.uploads.maxBytes);
    } catch (error) {
      // Stop reading an oversized or broken body: close the connection once the answer is out.
      res.setHeader('Connection', 'close');
      res.once('finish', () => req.socket.destroySoon());
      throw error;
    }
    const { original } = await deps.uploadOriginal.execute({ id, token, bytes });
    json(res, 201, {
      status: 'OK',
      id: original.id,
      original_width: original.width,
      original_height: original.height,
      format: original.format,
      bytes: original.bytes,
    });
  }

  async function remove(req: Request, res: Response): Promise<void> {
    guard.check(req.ip, req.headers.authorization);
    const id = idFromPath(req.path);
    await deps.deleteImage.execute({ id });
    res.status(204).end();
  }

  async function serveImage(req: Request, res: Response): Promise<void> {
    const path = req.path;
    if (path.length > 1 && isImageId(path.slice(1))) {
      throw new HttpInputError('NO_ROUTE', `add a format extension to fetch an image, e.g. ${path}.jpg`);
    }
    const parsed = ImageRequest.parse(path, rawQuery(req), settings.limits);
    if (parsed.kind === 'invalid') throw parsed.error;
    if (parsed.kind === 'oversized') {
      res.locals.cacheOutcome = 'redirect';
      res.setHeader('X-Redirect-Info', parsed.reason);
      res.setHeader('Cache-Control', `public, max-age=${settings.delivery.redirectMaxAge}`);
      // `baseUrl` is the mount path when an embedding app serves this one under a prefix.
      res.redirect(settings.delivery.redirectStatus, `${req.baseUrl}${parsed.clamped.toUrl()}`);
      return;
    }
    const request = parsed.request;
    const result = await deps.getRendition.execute({
      request,
      accepts: acceptedFormats(req.headers.accept),
      delivery: request.proxy ? 'proxy' : settings.delivery.mode,
      ifNoneMatch: entityTags(req.headers['if-none-match']),
    });
    await answer(req, res, result);
  }

  async function answer(req: Request, res: Response, result: GetRenditionOutput): Promise<void> {
    const { rendition } = result;
    if (result.negotiated) res.setHeader('Vary', 'Accept');
    res.setHeader('ETag', rendition.etag);
    const head = req.method === 'HEAD';
    switch (result.kind) {
      case 'not-modified':
        res.locals.cacheOutcome = 'not-modified';
        res.setHeader('Cache-Control', IMMUTABLE);
        res.status(304).end();
        break;
      case 'redirect': {
        res.locals.cacheOutcome = 'redirect';
        res.setHeader('X-Cache', 'HIT');
        const untilExpiry = result.expiresAt ? Math.floor((result.expiresAt.getTime() - Date.now()) / 1000) - 1 : Infinity;
        // A redirect must never be cached longer than its signed target stays valid.
        const maxAge = Math.max(0, Math.min(settings.delivery.redirectMaxAge, untilExpiry));
        res.setHeader('Cache-Control', `public, max-age=${maxAge}`);
        res.redirect(settings.delivery.redirectStatus, result.url);
        break;
      }
      case 'stream': {
        res.locals.cacheOutcome = 'hit';
        res.setHeader('X-Cache', 'HIT');
        res.setHeader('Cache-Control', IMMUTABLE);
        res.setHeader('Content-Type', result.object.contentType);
        res.setHeader('Content-Length', String(result.object.size));
        res.status(200);
        if (head) {
          result.object.body.destroy?.();
          res.end();
        } else {
          try {
            await pipeline(result.object.body, res);
          } catch (error) {
            // The client went away mid-stream: nothing failed on our side, and there is no one to answer.
            if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' && !res.writableFinished) {
              requestLogger(res).info({ event: { reason: 'client closed the connection during the response' } }, 'client aborted');
              return;
            }
            throw error;
          }
        }
        break;
      }
      case 'rendered':
        res.locals.cacheOutcome = result.coalesced ? 'coalesced' : 'miss';
        res.setHeader('X-Cache', result.coalesced ? 'COALESCED' : 'MISS');
        res.setHeader('Cache-Control', IMMUTABLE);
        res.setHeader('Content-Type', rendition.contentType);
        res.setHeader('Content-Length', String(result.image.bytes.length));
        res.status(200);
        if (head) res.end();
        else res.end(result.image.bytes);
        break;
    }
    deps.onImageResponse?.(res.locals.cacheOutcome as CacheOutcome, res.statusCode);
  }

  app.use((_req, _res, next) => next(new HttpInputError('NO_ROUTE', 'no such route')));

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const parsedBody = error as { type?: string; status?: number };
    const translated =
      parsedBody?.type === 'entity.parse.failed'
        ? new HttpInputError('INVALID_JSON', 'the request body is not valid JSON')
        : parsedBody?.type === 'entity.too.large'
          ? new HttpInputError('PAYLOAD_TOO_LARGE', 'the request body is too large')
          : error;
    const response = toErrorResponse(translated);
    const log = requestLogger(res);
    // Expected client errors are logged without a stack trace; server-side failures with the full error.
    if (response.status >= 500) log.error({ err: translated, 'error.code': response.body.error.code }, response.body.error.message);
    else log[response.level]({ error: { code: response.body.error.code, message: response.body.error.message } }, response.body.error.message);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    res.removeHeader('ETag');
    res.removeHeader('Cache-Control');
    res.setHeader('Cache-Control', 'no-store');
    json(res, response.status, response.body);
  });

  return app;
}
