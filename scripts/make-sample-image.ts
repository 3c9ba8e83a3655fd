// Draws docs/images/sample.jpg, the photo of the walk-through: a landscape made by this project (so it is
// under the repository's MIT licence, with no third-party rights), 1800x1200 like a typical camera export.
// Run: npx tsx scripts/make-sample-image.ts
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const WIDTH = 1800;
const HEIGHT = 1200;
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/images/sample.jpg');

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}">
  <defs>
    <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#1d3b6e"/><stop offset="0.55" stop-color="#f29a5b"/><stop offset="1" stop-color="#ffd9a0"/>
    </linearGradient>
    <radialGradient id="sun" cx="0.5" cy="0.5" r="0.5">
      <stop offset="0" stop-color="#fff6d5"/><stop offset="0.6" stop-color="#ffd27a"/><stop offset="1" stop-color="#ffd27a" stop-opacity="0"/>
    </radialGradient>
    <linearGradient id="sea" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#3a6d8c"/><stop offset="1" stop-color="#0f2a3d"/>
    </linearGradient>
  </defs>
  <rect width="100%" height="100%" fill="url(#sky)"/>
  <circle cx="1240" cy="640" r="260" fill="url(#sun)"/>
  <path d="M0 700 L260 430 L470 640 L700 360 L980 690 L1180 520 L1420 700 L1640 470 L1800 610 L1800 820 L0 820 Z" fill="#4b3f63"/>
  <path d="M0 780 L340 600 L620 760 L900 590 L1260 780 L1530 640 L1800 760 L1800 860 L0 860 Z" fill="#2f2a45"/>
  <rect y="820" width="100%" height="380" fill="url(#sea)"/>
  ${Array.from({ length: 40 }, (_, i) => `<rect x="${1040 + ((i * 37) % 400)}" y="${840 + i * 8}" width="${160 - i * 3}" height="3" fill="#ffd9a0" opacity="${(0.7 - i * 0.015).toFixed(2)}"/>`).join('\n  ')}
  <path d="M180 1010 q120 -30 240 0 l-20 30 h-200 z" fill="#14161f"/><rect x="296" y="860" width="6" height="150" fill="#14161f"/>
  <path d="M302 866 l90 120 h-90 z" fill="#f4efe6"/>
</svg>`;

await sharp(Buffer.from(svg)).jpeg({ quality: 82, mozjpeg: true }).toFile(OUT);
const { width, height, size } = await sharp(OUT).metadata().then(async (m) => ({ ...m, size: m.size }));
console.log(`${OUT}: ${width}x${height}, ${size} bytes`);
