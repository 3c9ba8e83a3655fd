import type { TokenRejection } from '../domain/token.js';

/**
 * Errors raised by use cases and by adapters on behalf of their ports. Like domain errors, each has a
 * stable literal `code`; the HTTP adapter maps codes to statuses in one table.
 */
export abstract class ApplicationError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class OriginalNotFoundError extends ApplicationError {
  readonly code = 'NOT_FOUND';
}

export class OriginalExistsError extends ApplicationError {
  readonly code = 'ORIGINAL_EXISTS';
}

export class TokenRejectedError extends ApplicationError {
  readonly code = 'TOKEN_REJECTED';

  constructor(readonly reason: TokenRejection) {
    // One public message for every reason: a caller must not learn which tokens exist.
    super('the upload token is missing, unknown, expired, already used or issued for another id');
  }
}

/** An object store (originals or renditions) failed or could not be reached. */
export class StoreUnavailableError extends ApplicationError {
  readonly code = 'STORE_UNAVAILABLE';
}

/** One entry of a bulk import's source could not be read (a file that vanished, an object without permission). */
export class SourceUnreadableError extends ApplicationError {
  readonly code = 'SOURCE_UNREADABLE';
}

/** The cache index (database) failed or could not be reached. */
export class IndexUnavailableError extends ApplicationError {
  readonly code = 'INDEX_UNAVAILABLE';
}

/** Too many renders are already waiting; the caller should retry later. */
export class OverloadedError extends ApplicationError {
  readonly code = 'OVERLOADED';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A render ran past its time limit and was abandoned. */
export class RenderTimeoutError extends ApplicationError {
  readonly code = 'RENDER_TIMEOUT';
}

/** The old deployment being imported (its database or its originals folder) cannot be read. */
export class LegacySourceError extends ApplicationError {
  readonly code = 'LEGACY_SOURCE_UNREADABLE';
}
