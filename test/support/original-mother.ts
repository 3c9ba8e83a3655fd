import { randomBytes, randomInt } from 'node:crypto';
import type { RenditionRecord } from '../../src/application/ports/cache-index.js';
import { canonicalExtension, INPUT_FORMATS, OUTPUT_FORMATS, type OutputFormat } from '../../src/domain/image-format.js';
import { contentVersionOf, type ContentVersion, type OriginalMetadata } from '../../src/domain/original.js';
import { renditionPrefix } from '../../src/domain/object-key.js';
import type { FocalPoint } from '../../src/domain/focal-point.js';
import type { Placeholder } from '../../src/domain/placeholder.js';
import { uniqueId } from './unique-id.js';

function pick<T>(values: readonly T[]): T {
  return values[randomInt(values.length)] as T;
}

/** A random instant between 2001 and 2065 with millisecond precision (never a round second). */
export function randomDate(): Date {
  return new Date(randomInt(978_307_200_000, 3_000_000_000_000));
}

export function randomContentVersion(): ContentVersion {
  return contentVersionOf(randomBytes(32));
}

/** A placeholder shaped like a real one (the hashes' text is opaque to the index). */
export function randomPlaceholder(): Placeholder {
  return {
    blurhash: `L${randomBytes(18).toString('base64url').slice(0, 27)}`,
    thumbhash: randomBytes(randomInt(20, 26)).toString('base64'),
    dominantColor: `#${randomBytes(3).toString('hex')}`,
  };
}

/** A focal point with the four decimals the domain keeps. */
export function randomFocalPoint(): FocalPoint {
  return { x: randomInt(0, 10_001) / 10_000, y: randomInt(0, 10_001) / 10_000 };
}

export const OriginalMother = {
  random(overrides: Partial<OriginalMetadata> = {}): OriginalMetadata {
    return {
      id: uniqueId('img_'),
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
    return RenditionRecordMother.of({ id: uniqueId('img_'), version: randomContentVersion() }, overrides);
  },
};
