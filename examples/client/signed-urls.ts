// Signed image URLs, built on your server (SPEC §8): the key never reaches a browser.
// Run: node --conditions=lir-source --import tsx examples/client/signed-urls.ts (URL_SIGNING_KEY in the environment)
import { createUrlSigner } from 'live-image-resize';
import { DEFAULT_LIMITS, imageUrl, srcSet } from 'live-image-resize/client';

// The first key of the service's URL_SIGNING_KEYS; createUrlSigner refuses to run in a browser.
const signer = createUrlSigner(process.env.URL_SIGNING_KEY ?? 'a-signing-key-of-16+');
// The service's ALLOWED_SIZES, so the srcset offers only boxes it renders without a redirect.
const limits = { ...DEFAULT_LIMITS, allowedSizes: [{ width: 320, height: 0 }, { width: 640, height: 0 }] };
const context = { baseUrl: 'https://img.example.com', signer, limits };

console.log(imageUrl('holiday-01', { width: 640, format: 'webp' }, context));
console.log(srcSet('holiday-01', { widths: [320, 480, 640], format: 'webp' }, context));
