import type { NextFunction, Request, Response } from 'express';
import { requestLogger } from './access-log.js';
import { toErrorResponse } from './error-table.js';
import { HttpInputError } from './http-error.js';
import { json } from './json-response.js';

/** The last route: anything no route answered. */
export function noRoute(_req: Request, _res: Response, next: NextFunction): void {
  next(new HttpInputError('NO_ROUTE', 'no such route'));
}

/** body-parser reports its failures as plain errors with a `type`; they are client errors, not 500s. */
function translateBodyParserError(error: unknown): unknown {
  const type = (error as { type?: string } | undefined)?.type;
  if (type === 'entity.parse.failed') return new HttpInputError('INVALID_JSON', 'the request body is not valid JSON');
  if (type === 'entity.too.large') return new HttpInputError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  return error;
}

/**
 * Every error a route throws becomes one JSON answer through the error table; its log level comes from
 * the same table. An answer already under way cannot change its status: the connection is cut instead.
 */
export function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const translated = translateBodyParserError(error);
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
}
