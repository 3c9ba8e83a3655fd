// Image URLs for a web page: pure functions, the same code the service parses URLs with, safe in a browser bundle.
// Run: node --conditions=lir-source --import tsx examples/client/responsive-image.ts
import { imageUrl, sizes, srcSet, type ImageUrlOptions } from 'live-image-resize/client';

const context = { baseUrl: 'https://img.example.com' };

// A photo as wide as the layout slot: the browser picks the width it needs.
const photo = {
  src: imageUrl('holiday-01', { width: 640, format: 'jpg', quality: 70 }, context),
  srcset: srcSet('holiday-01', { widths: [320, 640, 1280], format: 'webp' }, context),
  sizes: sizes([{ media: '(max-width: 600px)', size: '100vw' }], '50vw'),
};
console.log(`<img src="${photo.src}"\n     srcset="${photo.srcset}"\n     sizes="${photo.sizes}">`);

// A fixed-size avatar: the browser picks the density of its screen.
const avatar: ImageUrlOptions = { width: 48, height: 48, fit: 'crop', gravity: 'attention', format: 'webp' };
console.log(`<img src="${imageUrl('user-7', avatar, context)}"\n     srcset="${srcSet('user-7', avatar, context)}">`);

// One URL for every browser: AVIF or WebP where the Accept header allows it, JPEG otherwise.
console.log(imageUrl('holiday-01', { width: 640, auto: 'format' }, context));
