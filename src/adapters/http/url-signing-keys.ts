import { createHmac, timingSafeEqual } from 'node:crypto';
import { readSignature, type UrlSigner } from '../../domain/url-signature.js';

/**
 * HMAC-SHA256 of `signedPart` under `key` (its UTF-8 bytes), base64url without padding (SPEC §8).
 * This is the signer the `./client` helpers take on a server; it refuses to exist in a browser,
 * where a key would ship to every visitor (ADR 0021).
 */
export function createUrlSigner(key: string): UrlSigner {
  if ('document' in globalThis) throw new Error('URL signing keys belong on the server: do not create a URL signer in a browser');
  if (key.length === 0) throw new Error('a URL signing key must not be empty');
  return (signedPart) => createHmac('sha256', key).update(signedPart).digest('base64url');
}

export type SignatureCheck = 'valid' | 'missing' | 'mismatch';

/** `signing.keys`: the first signs, every one verifies (rotation: add the new key first, drop the old one later). */
export class UrlSigningKeys {
  private readonly signers: readonly UrlSigner[];

  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('UrlSigningKeys needs at least one key');
    this.signers = keys.map(createUrlSigner);
  }

  /** The signature of `signedPart` under the first key. */
  readonly sign: UrlSigner = (signedPart) => (this.signers[0] as UrlSigner)(signedPart);

  /** Checks a raw (not percent-decoded) path and query; every key is tried, each compared in constant time. */
  check(url: string): SignatureCheck {
    const reading = readSignature(url);
    if (reading.kind === 'unsigned') return 'missing';
    const given = Buffer.from(reading.signature);
    // Not short-circuited: the time taken says nothing about which key, if any, matched.
    let matched = false;
    for (const signer of this.signers) {
      const expected = Buffer.from(signer(reading.signedPart));
      // A length differing from a SHA-256 signature's (43 characters) is public knowledge, not a leak.
      if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
    }
    return matched ? 'valid' : 'mismatch';
  }
}
