import { InvalidImageIdError } from './domain-error.js';

/** 1–128 characters of A–Z a–z 0–9 _ -: never a path, so no id can name a file outside its store. */
export const IMAGE_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
export const MAX_IMAGE_ID_LENGTH = 128;
/** The rule in words, for every message that refuses an id. */
export const IMAGE_ID_RULE = `id must be 1–${MAX_IMAGE_ID_LENGTH} characters of A–Z a–z 0–9 _ -`;

export type ImageId = string & { readonly __brand: 'ImageId' };

export function isImageId(value: string): value is ImageId {
  return IMAGE_ID_PATTERN.test(value);
}

export function parseImageId(value: string): ImageId {
  if (!isImageId(value)) {
    throw new InvalidImageIdError(`${IMAGE_ID_RULE} (got ${JSON.stringify(value.slice(0, 140))})`);
  }
  return value;
}
