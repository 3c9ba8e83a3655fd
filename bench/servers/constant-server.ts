/**
 * The floor for cache hits: a bare node:http server that does nothing but answer.
 * MODE=redirect → 303 with a constant Location; MODE=body → 200 with BODY_BYTES constant bytes.
 */
import http from 'node:http';

const mode = process.env.MODE === 'body' ? 'body' : 'redirect';
const body = Buffer.alloc(Number(process.env.BODY_BYTES ?? 30 * 1024), 0x5a);

const server = http.createServer((_req, res) => {
  if (mode === 'redirect') {
    res.writeHead(303, { location: 'http://cdn.example.invalid/renditions/bench/0123456789abcdef/0123456789abcdef0123456789abcdef.jpg', 'cache-control': 'public, max-age=86400', 'content-length': 0 });
    res.end();
  } else {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length, 'cache-control': 'public, max-age=31536000, immutable' });
    res.end(body);
  }
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as { port: number }).port}\n`);
});
