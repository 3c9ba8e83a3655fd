import { createHash } from 'node:crypto';
import type { FocalPoint } from './focal-point.js';
import type { InputFormat } from './image-format.js';
import type { OriginalMetadata } from './original.js';
import type { Placeholder } from './placeholder.js';

/** `GET /{id}.json` (SPEC §9): what a page needs to lay an image out and show something before it arrives. */
export interface ImageInfoDocument {
  readonly id: string;
  /** Displayed size (after EXIF orientation). */
  readonly width: number;
  readonly height: number;
  readonly format: InputFormat;
  readonly bytes: number;
  /** ISO-8601. */
  readonly uploadedAt: string;
  /** Null only while an original stored before placeholders existed has not had one computed. */
  readonly placeholder: Placeholder | null;
  readonly focalPoint: FocalPoint | null;
}

export function imageInfoDocument(original: OriginalMetadata): ImageInfoDocument {
  const { placeholder, focalPoint } = original;
  return {
    id: original.id,
    width: original.width,
    height: original.height,
    format: original.format,
    bytes: original.bytes,
    uploadedAt: original.uploadedAt.toISOString(),
    placeholder: placeholder === undefined ? null : { blurhash: placeholder.blurhash, thumbhash: placeholder.thumbhash, dominantColor: placeholder.dominantColor },
    focalPoint: focalPoint === undefined ? null : { x: focalPoint.x, y: focalPoint.y },
  };
}

/**
 * A strong validator of the document's exact text: the content version's prefix (which changes with every
 * re-upload) and a hash of the body (which changes with the focal point or a placeholder computed later).
 */
export function imageInfoEtag(version: string, body: string): string {
  return `"${version.slice(0, 16)}-${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
}

/**
 * A day, and not immutable (unlike a rendition): a focal point set or an original replaced changes the document
 * under the same URL. Revalidation after that costs a 304 by ETag.
 */
export const IMAGE_INFO_CACHE_CONTROL = 'public, max-age=86400';
