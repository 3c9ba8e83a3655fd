import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { ContentVersion } from '../../src/domain/original.js';

/** A syntactically valid content version made of one repeated hex digit, for tests that want to pick keys. */
export function fixedVersion(digit: string): ContentVersion {
  return digit.repeat(64) as ContentVersion;
}

export function someBytes(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length));
}

export async function readAll(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Asserts two byte arrays are equal, reporting the first difference instead of dumping megabytes. */
export function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array, what = 'bytes'): void {
  expect(actual, `${what}: missing`).to.not.equal(undefined);
  const got = actual as Uint8Array;
  expect(got.length, `${what}: length`).to.equal(expected.length);
  const at = got.findIndex((byte, index) => byte !== expected[index]);
  expect(at, `${what}: first differing byte`).to.equal(-1);
}
