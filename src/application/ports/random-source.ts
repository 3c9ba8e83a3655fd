/** Cryptographically secure random bytes, for token secrets. */
export interface RandomSource {
  bytes(length: number): Uint8Array;
}
