/**
 * The ceiling of our stack: exactly the per-request work of a miss (`renderRaw`) behind a bare node:http server, so
 * that the same autocannon client, HTTP parsing and socket writes are part of both sides of the ratio. Every request
 * renders at once: as many renders run together as the load generator has connections.
 */
import http from 'node:http';
import sharp from 'sharp';
import { renderRaw } from './raw-render.js';

const dir = process.env.SOURCE_DIR ?? '.';
// The service turns the libvips operation cache off too; a fair ceiling does what it does.
sharp.cache(false);

const server = http.createServer((req, res) => {
  renderRaw(dir, req.url ?? '/').then(
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
