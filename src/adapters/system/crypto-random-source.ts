import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../../application/ports/random-source.js';

/** The operating system's CSPRNG. */
export class CryptoRandomSource implements RandomSource {
  bytes(length: number): Uint8Array {
    return new Uint8Array(randomBytes(length));
  }
}
