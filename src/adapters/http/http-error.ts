/** Failures the HTTP adapter itself detects while reading a request (before any use case runs). */
export class HttpInputError extends Error {
  constructor(
    readonly code: HttpInputErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpInputError';
  }
}

export type HttpInputErrorCode =
  | 'PAYLOAD_TOO_LARGE'
  | 'MISSING_IMAGE'
  | 'BAD_UPLOAD'
  | 'TOKEN_REJECTED'
  | 'TOO_MANY_PARTS'
  | 'INVALID_JSON'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MISMATCH'
  | 'NO_ROUTE';
