// Signed image URLs where node:crypto is missing (an edge runtime): build them unsigned, then sign with Web Crypto.
// Run: node --conditions=lir-source --import tsx examples/client-package/edge-signing.ts (URL_SIGNING_KEY in the environment)
import { imageUrl, srcSet } from 'live-image-resize-client';
import { signImageUrl, signSrcSet } from 'live-image-resize-client/edge';

// The first key of the service's URL_SIGNING_KEYS. Server side only: both functions refuse to run in a browser.
const key = process.env.URL_SIGNING_KEY ?? 'a-signing-key-of-16+';
const context = { baseUrl: 'https://img.example.com' };

console.log(await signImageUrl(imageUrl('holiday-01', { width: 640, format: 'webp' }, context), key));
console.log(await signSrcSet(srcSet('holiday-01', { widths: [320, 640], format: 'webp' }, context), key));
