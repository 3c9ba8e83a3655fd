import { randomBytes, randomInt } from 'node:crypto';
import type { RenditionRecord } from '../../src/application/ports/cache-index.js';
import { canonicalExtension, INPUT_FORMATS, OUTPUT_FORMATS, type OutputFormat } from '../../src/domain/image-format.js';
import { MAX_IMAGE_ID_LENGTH, parseImageId, type ImageId } from '../../src/domain/image-id.js';
import { contentVersionOf, type ContentVersion, type OriginalMetadata } from '../../src/domain/original.js';
import { renditionPrefix } from '../../src/domain/object-key.js';

function pick<T>(values: readonly T[]): T {
  return values[randomInt(values.length)] as T;
}

/** A random instant between 2001 and 2065 with millisecond precision (never a round second). */
export function randomDate(): Date {
  return new Date(randomInt(978_307_200_000, 3_000_000_000_000));
}

/**
 * A fresh id that no other test (or earlier run against the same database) uses, so suites can share
 * one database. Contains `_` and `-` on purpose: both are legal in ids and special in SQL `LIKE`.
 */
export function uniqueImageId(label = 'img'): ImageId {
  return parseImageId(`${label}_${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
}

/** A fresh id of exactly the maximum length. */
export function longestImageId(): ImageId {
  const unique = uniqueImageId('max');
  return parseImageId(unique + '_-'.repeat(MAX_IMAGE_ID_LENGTH).slice(0, MAX_IMAGE_ID_LENGTH - unique.length));
}

export function randomContentVersion(): ContentVersion {
  return contentVersionOf(randomBytes(32));
}

export const OriginalMother = {
  random(overrides: Partial<OriginalMetadata> = {}): OriginalMetadata {
    return {
      id: uniqueImageId(),
      version: randomContentVersion(),
      format: pick(INPUT_FORMATS),
      width: randomInt(1, 20_000),
      height: randomInt(1, 20_000),
      pages: randomInt(1, 50),
      hasAlpha: randomInt(2) === 1,
      bytes: randomInt(1, 2 ** 32),
      uploadedAt: randomDate(),
      ...overrides,
    };
  },
};

export const RenditionRecordMother = {
  /** A rendition of `original` (id and version) with a key shaped like the real ones. */
  of(original: Pick<OriginalMetadata, 'id' | 'version'>, overrides: Partial<RenditionRecord> = {}): RenditionRecord {
    const format: OutputFormat = overrides.format ?? pick(OUTPUT_FORMATS);
    return {
      key: `${renditionPrefix(original)}${randomBytes(16).toString('hex')}.${canonicalExtension(format)}`,
      originalId: original.id,
      originalVersion: original.version,
      format,
      width: randomInt(1, 4097),
      height: randomInt(1, 4097),
      bytes: randomInt(1, 2 ** 31),
      createdAt: randomDate(),
      ...overrides,
    };
  },

  random(overrides: Partial<RenditionRecord> = {}): RenditionRecord {
    return RenditionRecordMother.of({ id: uniqueImageId(), version: randomContentVersion() }, overrides);
  },
};
