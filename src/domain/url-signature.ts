/**
 * Signs the part of an image URL that SPEC §8 covers and returns the signature as base64url without
 * padding. The client helpers that use this run in browsers, where `node:crypto` does not exist (the
 * domain allows it only for hashing, ADR 0002), so HMAC-SHA256 is passed in: the server's comes from
 * `createUrlSigner` (node:crypto), the only place that ever holds a key (ADR 0021).
 */
export type UrlSigner = (signedPart: string) => string;

/** The query parameter that carries the signature; it must be the last one. */
export const SIGNATURE_PARAMETER = 'sig';

export type SignatureReading =
  | { readonly kind: 'unsigned' }
  | {
      readonly kind: 'signed';
      /** The URL from its leading `/` up to but excluding `?sig=`/`&sig=`: the text the signature covers. */
      readonly signedPart: string;
      readonly signature: string;
    };

/**
 * Splits a raw (not percent-decoded) path and query into the signed part and the signature (SPEC §8).
 * A `sig` that is not the last parameter counts as none: anything after it would be unsigned.
 */
export function readSignature(url: string): SignatureReading {
  const query = url.indexOf('?');
  if (query < 0) return { kind: 'unsigned' };
  const lastParameter = url.lastIndexOf('&');
  const start = lastParameter > query ? lastParameter : query;
  const prefix = `${SIGNATURE_PARAMETER}=`;
  if (!url.startsWith(prefix, start + 1)) return { kind: 'unsigned' };
  return { kind: 'signed', signedPart: url.slice(0, start), signature: url.slice(start + 1 + prefix.length) };
}

/** `url` (a path and optional query, no `sig` yet) with its signature appended as the last parameter. */
export function signUrl(url: string, sign: UrlSigner): string {
  return `${url}${url.includes('?') ? '&' : '?'}${SIGNATURE_PARAMETER}=${sign(url)}`;
}
