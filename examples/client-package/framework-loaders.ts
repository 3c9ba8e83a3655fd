// What each framework's loader asks the service for, for the same picture: Next.js, Nuxt Image, Astro, unpic.
// Run: node --conditions=lir-source --import tsx examples/client-package/framework-loaders.ts
import astroService from 'live-image-resize-client/astro';
import { createNextLoader } from 'live-image-resize-client/next';
import { getImage } from 'live-image-resize-client/nuxt';
import { createUnpicTransformer } from 'live-image-resize-client/unpic';

const baseUrl = 'https://img.example.com';

// Next.js asks for widths only; the height follows the original. JPEG, or AVIF/WebP where the browser takes them.
const nextLoader = createNextLoader({ baseUrl });
console.log(`next   ${nextLoader({ src: 'holiday-01', width: 640, quality: 75 })}`);

// Nuxt Image speaks sharp's words: its `cover` (fill the box, cut the overflow) is the service's `crop`,
// its `outside` (at least the box, nothing cut) is the service's `cover`, its `contain` pads like `canvas`.
for (const fit of ['cover', 'outside', 'contain']) {
  const { url } = getImage('/holiday-01', { modifiers: { width: 300, height: 300, fit, format: 'webp' }, baseURL: baseUrl });
  console.log(`nuxt   ${fit.padEnd(8)}→ ${url}`);
}

// Astro speaks CSS object-fit: `cover` crops (here to the top), `contain` fits inside and leaves the letterbox to CSS.
const astroConfig = { service: { config: { baseUrl } } };
for (const fit of ['cover', 'contain']) {
  console.log(`astro  ${fit.padEnd(8)}→ ${astroService.getURL({ src: 'holiday-01', width: 400, height: 300, fit, position: 'top' }, astroConfig)}`);
}

// unpic's components crop to the layout box (their object-fit is `cover`), for src and every breakpoint.
const transformer = createUnpicTransformer({ baseUrl, format: 'webp' });
console.log(`unpic  ${transformer('holiday-01', { width: 800, height: 600 })}`);
