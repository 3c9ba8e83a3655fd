/**
 * The floor for cache hits: a bare node:http server that does nothing but answer.
 * MODE=redirect → 303 with a constant Location; MODE=body → 200 with the bytes of BODY_FILE (the very answer the
 * service gives, so that the load generator parses the same body on both sides: it costs the client several
 * times more to read a JPEG than as many constant bytes), typed CONTENT_TYPE.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

const mode = process.env.MODE === 'body' ? 'body' : 'redirect';
const body = mode === 'body' ? readFileSync(process.env.BODY_FILE ?? '') : Buffer.alloc(0);
const contentType = process.env.CONTENT_TYPE ?? 'image/jpeg';

const server = http.createServer((_req, res) => {
  if (mode === 'redirect') {
    res.writeHead(303, { location: 'http://cdn.example.invalid/renditions/bench/0123456789abcdef/0123456789abcdef0123456789abcdef.jpg', 'cache-control': 'public, max-age=86400', 'content-length': 0 });
    res.end();
  } else {
    res.writeHead(200, { 'content-type': contentType, 'content-length': body.length, 'cache-control': 'public, max-age=31536000, immutable' });
    res.end(body);
  }
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as { port: number }).port}\n`);
});
