import { SIGNATURE_PARAMETER } from '../../../src/domain/url-signature.js';

// Signing with Web Crypto, for server runtimes without node:crypto (Vercel's edge runtime, Workers
// without `nodejs_compat`). Web Crypto's HMAC is asynchronous, so this signs finished URLs instead of
// plugging into `imageUrl`'s synchronous `signer` (ADR 0031). Server side only, as `./server` is.

type HmacKey = ReturnType<typeof crypto.subtle.importKey>;
const keys = new Map<string, HmacKey>();

function importKey(key: string): HmacKey {
  if ('document' in globalThis) throw new Error('URL signing keys belong on the server: do not sign URLs in a browser');
  if (key.length === 0) throw new Error('a URL signing key must not be empty');
  let imported = keys.get(key);
  if (imported === undefined) {
    imported = crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(key, imported);
  }
  return imported;
}

function base64url(bytes: ArrayBuffer): string {
  let binary = '';
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Where the signed part starts: the path's leading `/`, after any scheme and host of the base URL. */
function pathStart(url: string): number {
  if (url.startsWith('/') && !url.startsWith('//')) return 0;
  const authority = url.indexOf('//');
  const start = url.indexOf('/', authority < 0 ? 0 : authority + 2);
  if (start < 0) throw new Error(`not an image URL (no path): ${url}`);
  return start;
}

/**
 * `url` (as `imageUrl` builds it, unsigned, with or without `baseUrl`) with `sig` appended. The signature
 * covers the path and query from the leading `/` (SPEC §8), so a base URL with a path prefix (`/images`)
 * must not be part of `url`'s signed part: sign the root-relative URL and add such a prefix afterwards.
 */
export async function signImageUrl(url: string, key: string): Promise<string> {
  const signedPart = url.slice(pathStart(url));
  const signature = await crypto.subtle.sign('HMAC', await importKey(key), new TextEncoder().encode(signedPart));
  return `${url}${signedPart.includes('?') ? '&' : '?'}${SIGNATURE_PARAMETER}=${base64url(signature)}`;
}

/** Every candidate of a `srcset` value (as `srcSet` builds it, unsigned) signed by `signImageUrl`. */
export async function signSrcSet(srcset: string, key: string): Promise<string> {
  const candidates = srcset.split(', ').filter((candidate) => candidate !== '');
  const signed = await Promise.all(
    candidates.map(async (candidate) => {
      const space = candidate.lastIndexOf(' ');
      return space < 0 ? signImageUrl(candidate, key) : `${await signImageUrl(candidate.slice(0, space), key)}${candidate.slice(space)}`;
    }),
  );
  return signed.join(', ');
}
