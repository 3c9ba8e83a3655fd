/**
 * The ceiling of our stack: exactly the per-request work of a miss — read the original from disk,
 * auto-orient, resize to fit the box, encode — behind a bare node:http server, so that the same
 * autocannon client, HTTP parsing and socket writes are part of both sides of the ratio.
 *
 * GET /{file}?w=..&h=..&f=jpeg|webp|avif&q=..&effort=..  (fit inside w×h, quality q (default 80), progressive
 * JPEG as the service, AVIF at the given effort with the service's chroma: 4:2:0 below quality 90).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { avifChroma } from '../../src/adapters/sharp/sharp-transformer.js';

const dir = process.env.SOURCE_DIR ?? '.';
// The service turns the libvips operation cache off too; a fair ceiling does what it does.
sharp.cache(false);

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const width = Number(url.searchParams.get('w'));
  const height = Number(url.searchParams.get('h'));
  const wanted = url.searchParams.get('f');
  const format = wanted === 'webp' || wanted === 'avif' ? wanted : 'jpeg';
  const quality = Number(url.searchParams.get('q') ?? 80);
  const effort = Number(url.searchParams.get('effort') ?? 1);
  const file = path.join(dir, path.basename(url.pathname));
  readFile(file)
    .then((input) => {
      const image = sharp(input, { failOn: 'error' }).autoOrient().resize(width, height, { fit: 'inside' });
      const encoded =
        format === 'jpeg'
          ? image.jpeg({ quality, progressive: true, mozjpeg: false })
          : format === 'webp'
            ? image.webp({ quality })
            : image.avif({ quality, effort, chromaSubsampling: avifChroma(quality) });
      return encoded.toBuffer();
    })
    .then(
      (bytes) => {
        res.writeHead(200, { 'content-type': `image/${format}`, 'content-length': bytes.length });
        res.end(bytes);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      },
    );
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as { port: number }).port}\n`);
});
