import { ApplicationError, OverloadedError } from '../../application/application-error.js';
import { DomainError } from '../../domain/domain-error.js';
import { HttpInputError } from './http-error.js';

type Level = 'info' | 'warn' | 'error';

interface ErrorMapping {
  readonly status: number;
  readonly level: Level;
  /** A fixed public message; undefined = the error's own message is safe to show. */
  readonly publicMessage?: string;
}

/**
 * The one table from error code to HTTP status, public message and log level (imgproxy's triple).
 * Validation failures are 4xx at info; infrastructure failures 503 at error; anything unknown is a
 * generic 500 whose details stay in the log.
 */
const ERROR_TABLE: Readonly<Record<string, ErrorMapping>> = {
  INVALID_REQUEST: { status: 400, level: 'info' },
  // Answered by malformed-requests.ts before express sees the request; listed so codes have one home.
  MALFORMED_REQUEST: { status: 400, level: 'info' },
  HEADERS_TOO_LARGE: { status: 431, level: 'info' },
  REQUEST_TIMEOUT: { status: 408, level: 'info' },
  INVALID_ID: { status: 400, level: 'info' },
  INVALID_JSON: { status: 400, level: 'info' },
  INVALID_FOCAL_POINT: { status: 400, level: 'info' },
  MISSING_IMAGE: { status: 400, level: 'info' },
  BAD_UPLOAD: { status: 400, level: 'info' },
  TOO_MANY_PARTS: { status: 400, level: 'info' },
  UNAUTHORIZED: { status: 401, level: 'warn' },
  FORBIDDEN: { status: 403, level: 'warn' },
  TOKEN_REJECTED: { status: 403, level: 'warn' },
  // Signed URLs (SPEC §8); info, not warn: scanners and stale links would otherwise flood the log.
  SIGNATURE_MISSING: { status: 403, level: 'info' },
  SIGNATURE_MISMATCH: { status: 403, level: 'info' },
  NOT_FOUND: { status: 404, level: 'info' },
  NO_ROUTE: { status: 404, level: 'info' },
  ORIGINAL_EXISTS: { status: 409, level: 'info' },
  PAYLOAD_TOO_LARGE: { status: 413, level: 'info' },
  IMAGE_TOO_LARGE: { status: 413, level: 'info' },
  UNSUPPORTED_IMAGE: { status: 415, level: 'info' },
  // A request for work the cost model says cannot finish within the render time limit (ADR 0014).
  RENDITION_TOO_COSTLY: { status: 422, level: 'info' },
  OVERLOADED: { status: 503, level: 'warn' },
  STORE_UNAVAILABLE: { status: 503, level: 'error', publicMessage: 'a storage backend is unavailable; try again shortly' },
  INDEX_UNAVAILABLE: { status: 503, level: 'error', publicMessage: 'the cache index is unavailable; try again shortly' },
  RENDER_TIMEOUT: { status: 504, level: 'error', publicMessage: 'rendering took too long and was abandoned' },
};

const INTERNAL: ErrorMapping = { status: 500, level: 'error', publicMessage: 'internal error' };

export interface ErrorResponse {
  readonly status: number;
  readonly level: Level;
  readonly body: { readonly error: { readonly code: string; readonly message: string } };
  readonly headers: Readonly<Record<string, string>>;
}

export function toErrorResponse(error: unknown): ErrorResponse {
  const known = error instanceof DomainError || error instanceof ApplicationError || error instanceof HttpInputError;
  const code = known ? error.code : 'INTERNAL';
  const mapping = (known ? ERROR_TABLE[code] : undefined) ?? INTERNAL;
  const message = mapping.publicMessage ?? (error as Error).message;
  const headers: Record<string, string> = {};
  if (error instanceof OverloadedError) headers['Retry-After'] = String(error.retryAfterSeconds);
  if (mapping.status === 503 && !headers['Retry-After']) headers['Retry-After'] = '5';
  return { status: mapping.status, level: mapping.level, body: { error: { code: mapping === INTERNAL ? 'INTERNAL' : code, message } }, headers };
}
