import type { RequestHandler } from 'express';
import type { CheckReadiness } from '../../application/use-cases/check-readiness.js';
import { HttpInputError } from './http-error.js';
import { json } from './json-response.js';

export interface OpsRoutesDependencies {
  readonly checkReadiness: CheckReadiness;
  readonly allowIndexing: boolean;
  /** Prometheus exposition for `GET /metrics`; the route answers 404 when absent. */
  readonly metrics?: { readonly contentType: string; render(): Promise<string> };
}

/**
 * What operators and crawlers ask (SPEC §6): liveness, readiness, metrics, robots.txt, favicon — `GET`
 * handlers by path. Handlers, not an express Router: a Router answers `OPTIONS` for its paths by itself,
 * and these paths answer no `OPTIONS`.
 */
export function opsRoutes(deps: OpsRoutesDependencies): Readonly<Record<string, RequestHandler>> {
  return {
    '/healthz': (_req, res) => json(res, 200, { status: 'ok' }),
    '/readyz': async (_req, res) => {
      const report = await deps.checkReadiness.execute();
      json(res, report.ready ? 200 : 503, { status: report.ready ? 'ok' : 'unavailable', checks: report.checks });
    },
    '/robots.txt': (_req, res) => {
      res.type('text/plain').send(deps.allowIndexing ? 'User-agent: *\nAllow: /\n' : 'User-agent: *\nDisallow: /\n');
    },
    '/favicon.ico': (_req, res) => json(res, 404, { error: { code: 'NOT_FOUND', message: 'no favicon here' } }),
    '/metrics': async (_req, res) => {
      if (!deps.metrics) throw new HttpInputError('NO_ROUTE', 'metrics are not enabled');
      res.type(deps.metrics.contentType).send(await deps.metrics.render());
    },
  };
}
