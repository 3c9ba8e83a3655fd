/**
 * The reference render of the bench's raw sharp servers: exactly the per-request work of a miss — read the original
 * from disk, auto-orient, resize to fit the box, encode — and nothing of the service around it.
 *
 * GET /{file}?w=..&h=..&f=jpeg|webp|avif&q=..&effort=..  (fit inside w×h, quality q (default 80), progressive
 * JPEG as the service, AVIF at the given effort with the service's chroma: 4:2:0 below quality 90).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { avifChroma } from '../../src/adapters/sharp/sharp-transformer.js';

export interface RawRendition {
  readonly format: 'jpeg' | 'webp' | 'avif';
  readonly bytes: Buffer;
}

/** Renders what `requestUrl` (path and query, as above) asks of a file in `dir`. */
export async function renderRaw(dir: string, requestUrl: string): Promise<RawRendition> {
  const url = new URL(requestUrl, 'http://x');
  const width = Number(url.searchParams.get('w'));
  const height = Number(url.searchParams.get('h'));
  const wanted = url.searchParams.get('f');
  const format = wanted === 'webp' || wanted === 'avif' ? wanted : 'jpeg';
  const quality = Number(url.searchParams.get('q') ?? 80);
  const effort = Number(url.searchParams.get('effort') ?? 1);
  const input = await readFile(path.join(dir, path.basename(url.pathname)));
  const image = sharp(input, { failOn: 'error' }).autoOrient().resize(width, height, { fit: 'inside' });
  const encoded =
    format === 'jpeg'
      ? image.jpeg({ quality, progressive: true, mozjpeg: false })
      : format === 'webp'
        ? image.webp({ quality })
        : image.avif({ quality, effort, chromaSubsampling: avifChroma(quality) });
  return { format, bytes: await encoded.toBuffer() };
}

/**
 * A bare node:http server on PORT (127.0.0.1) that answers every request with `render(url)`: 200 with the image, or
 * 500 with the error. It prints `LISTENING <port>` once it listens, which the bench waits for.
 */
export function serveRenders(render: (url: string) => Promise<RawRendition>): void {
  const server = http.createServer((req, res) => {
    render(req.url ?? '/').then(
      ({ format, bytes }) => {
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
}
