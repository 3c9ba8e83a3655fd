/**
 * The ceiling of our stack: exactly the per-request work of a miss (`renderRaw`) behind a bare node:http server, so
 * that the same autocannon client, HTTP parsing and socket writes are part of both sides of the ratio. Every request
 * renders at once: as many renders run together as the load generator has connections.
 */
import sharp from 'sharp';
import { renderRaw, serveRenders } from './raw-render.js';

const dir = process.env.SOURCE_DIR ?? '.';
// The service turns the libvips operation cache off too; a fair ceiling does what it does.
sharp.cache(false);

serveRenders((url) => renderRaw(dir, url));
