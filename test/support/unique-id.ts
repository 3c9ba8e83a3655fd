import { randomUUID } from 'node:crypto';
import { isImageId, MAX_IMAGE_ID_LENGTH, type ImageId } from '../../src/domain/image-id.js';

/**
 * A fresh id that no other test, nor an earlier run against the same database or bucket, uses:
 * `prefix` (a label like `photo_`, or a run's namespace), 32 random hex characters with a `-` inside,
 * then `suffix`. With a `_` in the prefix the id holds both characters that are special in SQL `LIKE`,
 * which keeps prefix queries honest.
 */
export function uniqueId(prefix = '', suffix = ''): ImageId {
  const random = randomUUID().replaceAll('-', '');
  const id = `${prefix}${random.slice(0, 16)}-${random.slice(16)}${suffix}`;
  if (!isImageId(id)) throw new Error(`test id ${id} is not a valid image id; check the prefix`);
  return id;
}

/** A fresh id exactly `MAX_IMAGE_ID_LENGTH` characters long, padded with `_` and `-`. */
export function longestId(prefix = ''): ImageId {
  return uniqueId(prefix).padEnd(MAX_IMAGE_ID_LENGTH, '_-') as ImageId;
}
