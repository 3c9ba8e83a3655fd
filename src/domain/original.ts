import { createHash } from 'node:crypto';
import type { InputFormat } from './image-format.js';
import type { FocalPoint } from './focal-point.js';
import type { ImageId } from './image-id.js';
import type { Placeholder } from './placeholder.js';

/** The hash of an original's bytes: its content version. Re-uploading an id changes it, so no stale rendition is served. */
export type ContentVersion = string & { readonly __brand: 'ContentVersion' };

const CONTENT_VERSION = /^[0-9a-f]{64}$/;

export function contentVersionOf(bytes: Uint8Array): ContentVersion {
  return createHash('sha256').update(bytes).digest('hex') as ContentVersion;
}

export function isContentVersion(value: string): value is ContentVersion {
  return CONTENT_VERSION.test(value);
}

/** Which original's bytes: one object per content version (`originalObjectKey`), so an overwrite never clobbers what a reader holds. */
export interface OriginalKey {
  readonly id: ImageId;
  readonly version: ContentVersion;
}

/** What the index keeps about an original, so "does this id exist" never asks the object store. */
export interface OriginalMetadata extends OriginalKey {
  readonly format: InputFormat;
  /** Displayed size: after EXIF orientation. */
  readonly width: number;
  readonly height: number;
  readonly pages: number;
  readonly hasAlpha: boolean;
  readonly bytes: number;
  readonly uploadedAt: Date;
  /** Computed at upload; undefined for originals stored before placeholders existed, until first asked for (SPEC §9). */
  readonly placeholder?: Placeholder;
  /** Where crops keep their subject; undefined: none set, crops keep the centre. */
  readonly focalPoint?: FocalPoint;
}

/** What a decoder reports about an image from its header. */
export interface ImageInfo {
  readonly format: InputFormat;
  readonly width: number;
  readonly height: number;
  readonly pages: number;
  readonly hasAlpha: boolean;
}
