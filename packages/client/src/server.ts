// Signing with node:crypto (Node, Bun, Deno, Cloudflare Workers with `nodejs_compat`): the very function
// the service verifies with, so both sides agree byte for byte (SPEC §8, ADR 0021). Server side only:
// `createUrlSigner` throws where `document` exists, because a key in a browser bundle is a published key.
export { createUrlSigner } from '../../../src/adapters/http/url-signing-keys.js';
export type { UrlSigner } from '../../../src/domain/url-signature.js';
