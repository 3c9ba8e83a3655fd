import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { fixedRoute, type FixedRoute } from './fixed-routes.js';
import { infoPathId } from './info-route.js';
import { pathOf } from './plain-response.js';

export type RouteLabel = FixedRoute | 'image' | 'info' | 'upload' | 'delete' | 'focal' | 'other';

/** Called once per finished request; `route` and `method` come from closed sets. */
export type ResponseObserver = (route: RouteLabel, method: string, status: number, seconds: number) => void;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']);

/** A label per route, never the raw path: metrics series must not grow with what clients send. */
export function routeLabel(method: string, path: string): RouteLabel {
  const fixed = fixedRoute(path);
  if (fixed !== undefined) return fixed;
  if (method === 'GET' || method === 'HEAD') return infoPathId(path) === undefined ? 'image' : 'info';
  if (method === 'POST') return 'upload';
  if (method === 'DELETE') return 'delete';
  if (method === 'PUT') return 'focal';
  return 'other';
}

/** Reports the request once its connection is done with it, whatever ended it (answer, error, hang-up). */
export function observeResponse(observe: ResponseObserver, req: IncomingMessage, res: ServerResponse): void {
  const started = process.hrtime.bigint();
  const method = req.method !== undefined && METHODS.has(req.method) ? req.method : 'OTHER';
  const label = routeLabel(method, pathOf(req.url));
  res.once('close', () => observe(label, method, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
}

/** `observeResponse` for every request, as express middleware. */
export function requestMetrics(observe: ResponseObserver): RequestHandler {
  return (req, res, next) => {
    observeResponse(observe, req, res);
    next();
  };
}
