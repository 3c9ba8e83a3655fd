import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Limits } from '../../domain/limits.js';
import type { CheckReadiness } from '../../application/use-cases/check-readiness.js';
import type { DeleteImage } from '../../application/use-cases/delete-image.js';
import type { GetImageInfo } from '../../application/use-cases/get-image-info.js';
import type { SetFocalPoint } from '../../application/use-cases/set-focal-point.js';
import type { GetRendition } from '../../application/use-cases/get-rendition.js';
import type { IssueToken } from '../../application/use-cases/issue-token.js';
import type { UploadOriginal } from '../../application/use-cases/upload-original.js';
import { accessLog } from './access-log.js';
import { CallerGuard } from './caller-guard.js';
import { corsHeaders, corsPreflight, CorsPolicy, crossOriginResourcePolicy } from './cors.js';
import { deleteRoute } from './delete-route.js';
import { errorHandler, noRoute } from './error-handler.js';
import { focalRoute } from './focal-route.js';
import { imageReadsFirst } from './image-reads-first.js';
import { infoRoute } from './info-route.js';
import { imageRoute } from './image-route.js';
import { KnownReads } from './known-reads.js';
import { LEGACY_HEALTH_PATHS, type LegacyRequestObserver } from './legacy-compat.js';
import { opsRoutes } from './ops-routes.js';
import type { CacheOutcome } from '../../application/cache-outcome.js';
import { requestMetrics, type ResponseObserver } from './request-metrics.js';
import { tokenRoute } from './token-route.js';
import { trustProxy } from './trust-proxy.js';
import { uploadRoute } from './upload-route.js';
import { UrlSigningKeys } from './url-signing-keys.js';

export interface HttpSettings {
  readonly limits: Limits;
  readonly trustedProxies: readonly string[];
  readonly allowIndexing: boolean;
  readonly uploads: { readonly maxBytes: number };
  readonly tokens: { readonly allowFrom: readonly string[]; readonly secret: string | undefined };
  /** `signing.keys` (SPEC §8); empty: image URLs need no signature. */
  readonly signing: { readonly keys: readonly string[] };
  /** `cors.allowedOrigins` (SPEC §7). */
  readonly cors: { readonly allowedOrigins: readonly string[] };
  readonly delivery: {
    readonly mode: 'redirect' | 'proxy';
    readonly redirectStatus: number;
    readonly redirectMaxAge: number;
  };
  /** `compat.legacy` (SPEC §10): accept what clients of the original service send. */
  readonly compat: { readonly legacy: boolean };
  /** `memory.renditionRows`: as many image URLs keep their parse for reads answered from memory (ADR 0034). */
  readonly memory: { readonly renditionRows: number };
}

export interface HttpDependencies {
  readonly issueToken: IssueToken;
  readonly uploadOriginal: UploadOriginal;
  readonly getRendition: GetRendition;
  readonly deleteImage: DeleteImage;
  readonly getImageInfo: GetImageInfo;
  readonly setFocalPoint: SetFocalPoint;
  readonly checkReadiness: CheckReadiness;
  readonly logger: Logger;
  readonly settings: HttpSettings;
  /** Prometheus exposition for `GET /metrics`; the route answers 404 when absent. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> };
  /** Called once per answered image request with its cache outcome (for metrics). */
  readonly onImageResponse?: (outcome: CacheOutcome, status: number) => void;
  /** Called once per answered `/{id}.json` request with its status (for metrics). */
  readonly onInfoResponse?: (status: number) => void;
  /** Called once per image request refused for its signature (for metrics). */
  readonly onSignatureFailure?: (reason: 'missing' | 'mismatch') => void;
  /** Called once per finished request (for metrics); `route` and `method` come from closed sets. */
  readonly onResponse?: ResponseObserver;
  /** Called once per legacy form a request used, under `compat.legacy` (for metrics). */
  readonly onLegacyRequest?: LegacyRequestObserver;
  /** Called once per read whose answer from memory failed and was left to the routes (for metrics; ADR 0034). */
  readonly onKnownReadFailure?: () => void;
}

/**
 * Image paths are open-ended (`/{id}_{w}_{h}.{fmt}`, `/{id}.{ext}`), so these routes match on the
 * method alone, after every fixed route has had its turn.
 */
function forMethods(methods: readonly string[], ...handlers: RequestHandler[]): RequestHandler[] {
  return handlers.map((handler) => (req: Request, res: Response, next: NextFunction) => (methods.includes(req.method) ? handler(req, res, next) : next()));
}

function legacyObserver(deps: HttpDependencies): LegacyRequestObserver {
  return (alias) => deps.onLegacyRequest?.(alias);
}

/** The standalone server's listener of each app: image reads ahead of the router (`imageReadsFirst`). */
const LISTENERS = new WeakMap<express.Express, RequestListener>();

/**
 * What the standalone server listens with: `app` with image reads answered ahead of its router. An embedding
 * application mounts `app` itself, under its own router, and gets the same answers through it.
 */
export function httpListener(app: express.Express): RequestListener {
  return LISTENERS.get(app) ?? app;
}

/**
 * The driving HTTP adapter (SPEC §2, §4–§7): plain express 5, one error table, JSON errors.
 * Each route lives in its own module; this only puts them in order.
 */
export function createHttpApp(deps: HttpDependencies): express.Express {
  const { settings } = deps;
  const guard = new CallerGuard({ ...settings.tokens, trustedProxies: settings.trustedProxies });
  const cors = new CorsPolicy(settings.cors.allowedOrigins);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', trustProxy(settings.trustedProxies));

  const legacy = settings.compat.legacy ? legacyObserver(deps) : undefined;
  const imageRoutes = imageRouteDependencies(deps, legacy);
  const observed: RequestHandler[] = [...(deps.onResponse === undefined ? [] : [requestMetrics(deps.onResponse)]), accessLog(deps.logger)];
  const imageRead = [
    corsHeaders(cors, 'read'),
    crossOriginResourcePolicy,
    infoRoute({ getImageInfo: deps.getImageInfo, onInfoResponse: deps.onInfoResponse }),
    imageRoute(imageRoutes),
  ];
  app.use(...observed);
  const ops = opsRoutes({ checkReadiness: deps.checkReadiness, allowIndexing: settings.allowIndexing, metrics: deps.metrics });
  for (const [path, handler] of Object.entries(ops)) app.get(path, handler);
  const readiness = ops['/readyz'];
  if (legacy !== undefined && readiness !== undefined) {
    for (const [path, alias] of Object.entries(LEGACY_HEALTH_PATHS)) {
      app.get(path, (_req, _res, next) => {
        legacy(alias);
        next();
      }, readiness);
    }
  }
  app.post('/token', ...tokenRoute({ issueToken: deps.issueToken, guard, secretInBody: legacy && { onUse: () => legacy('token_secret_in_body') } }));
  app.use(...forMethods(['OPTIONS'], corsPreflight(cors)));
  app.use(...forMethods(['GET', 'HEAD'], ...imageRead));
  app.use(...forMethods(['POST'], corsHeaders(cors, 'upload'), uploadRoute({ uploadOriginal: deps.uploadOriginal, maxBytes: settings.uploads.maxBytes, successStatus: legacy ? 200 : 201 })));
  app.use(...forMethods(['DELETE'], deleteRoute({ deleteImage: deps.deleteImage, guard })));
  app.use(...forMethods(['PUT'], ...focalRoute({ setFocalPoint: deps.setFocalPoint, guard })));
  app.use(noRoute);
  app.use(errorHandler);
  // Ends like the router: a read that no handler answered is a NO_ROUTE, never a request left open.
  const known = new KnownReads({
    getRendition: deps.getRendition,
    getImageInfo: deps.getImageInfo,
    logger: deps.logger,
    cors,
    limits: settings.limits,
    delivery: settings.delivery,
    signing: imageRoutes.signing,
    legacy: legacy !== undefined,
    preparedReads: settings.memory.renditionRows,
    onResponse: deps.onResponse,
    onImageResponse: deps.onImageResponse,
    onInfoResponse: deps.onInfoResponse,
    onFailure: deps.onKnownReadFailure,
    asExpressRequest: (req) => Object.setPrototypeOf(req, app.request) as IncomingMessage,
  });
  LISTENERS.set(app, imageReadsFirst(app, [...observed, ...imageRead, noRoute], errorHandler, known));
  return app;
}

function imageRouteDependencies(deps: HttpDependencies, legacy: LegacyRequestObserver | undefined): Parameters<typeof imageRoute>[0] {
  const { settings } = deps;
  return {
    getRendition: deps.getRendition,
    limits: settings.limits,
    delivery: settings.delivery,
    signing: settings.signing.keys.length > 0 ? new UrlSigningKeys(settings.signing.keys) : undefined,
    onImageResponse: deps.onImageResponse,
    onSignatureFailure: deps.onSignatureFailure,
    legacy: legacy && { onForm: legacy },
  };
}
