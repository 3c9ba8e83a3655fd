/**
 * The one shallow hierarchy of domain errors. Each concrete error carries a stable,
 * literal-typed `code` that the HTTP adapter maps to a status in one table.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Which part of a request URL was wrong; echoed in the error so clients know what to fix. */
export type RequestPart =
  | 'path'
  | 'id'
  | 'width'
  | 'height'
  | 'scale'
  | 'format'
  | 'fit'
  | 'gravity'
  | 'quality'
  | 'blur'
  | 'bg'
  | 'proxy'
  | 'auto';

export class InvalidRequestError extends DomainError {
  readonly code = 'INVALID_REQUEST';

  constructor(
    readonly part: RequestPart,
    message: string,
  ) {
    super(message);
  }
}

export class InvalidImageIdError extends DomainError {
  readonly code = 'INVALID_ID';
}

/** The bytes are not an image the service accepts (unknown, refused like SVG/PDF, or undecodable). */
export class UnsupportedImageError extends DomainError {
  readonly code = 'UNSUPPORTED_IMAGE';
}

/** The image declares more pixels than the configured limit; decided from the header. */
export class ImageTooLargeError extends DomainError {
  readonly code = 'IMAGE_TOO_LARGE';
}

/**
 * The rendition would cost more CPU time than the render time limit allows (AVIF above its pixel budget, long
 * animations at a large size); refused before any work starts, because some encoders cannot be stopped once
 * they run.
 */
export class RenditionTooCostlyError extends DomainError {
  readonly code = 'RENDITION_TOO_COSTLY';
}
