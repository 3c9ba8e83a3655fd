// A web page's own back end, in plain Node: it serves one page and hands out upload slots (an id and a
// one-time token it asks the image service for, server to server). The browser then uploads straight to
// the image service, on another origin, which must list this page's origin in CORS_ALLOWED_ORIGINS.
// Run: node --conditions=lir-source --import tsx examples/browser-upload/server.ts http://127.0.0.1:1337 3000
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const [imagesUrl = 'http://127.0.0.1:1337', port = '3000'] = process.argv.slice(2);

// The browser imports the client helpers as one ES module. A real site has its own bundler do this;
// here esbuild bundles the package's `live-image-resize/client` entry once, at start-up.
const bundle = await build({
  entryPoints: [fileURLToPath(import.meta.resolve('live-image-resize/client'))],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  write: false,
});
const files = new Map<string, { type: string; body: Buffer | string }>([
  ['/', { type: 'text/html; charset=utf-8', body: await readFile(new URL('index.html', import.meta.url)) }],
  ['/upload.js', { type: 'text/javascript; charset=utf-8', body: await readFile(new URL('upload.js', import.meta.url)) }],
  ['/client.js', { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0]!.text }],
]);

/**
 * A new id and a token for it. A real back end decides the id (the signed-in user's avatar, a new
 * product photo…) and checks who is asking first; this demo makes one up for anyone.
 */
async function uploadSlot(): Promise<{ status: number; body: unknown }> {
  const id = `photo-${randomUUID().slice(0, 8)}`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (process.env.TOKEN_SECRET) headers.Authorization = `Bearer ${process.env.TOKEN_SECRET}`;
  const response = await fetch(`${imagesUrl}/token`, { method: 'POST', headers, body: JSON.stringify({ id }) });
  if (!response.ok) {
    console.error(`POST ${imagesUrl}/token: ${response.status} ${await response.text()}`);
    return { status: 502, body: { error: { message: `the image service refused a token (${response.status})` } } };
  }
  const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string };
  return { status: 200, body: { id, token, expiresAt, uploadUrl: `${imagesUrl}/${id}`, imagesUrl } };
}

function send(res: http.ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).end(body);
}

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0]!;
  const file = req.method === 'GET' ? files.get(path) : undefined;
  if (file) return send(res, 200, file.type, file.body);
  if (req.method === 'POST' && path === '/api/upload-slot') {
    req.resume(); // no body expected
    uploadSlot().then(
      ({ status, body }) => send(res, status, 'application/json', JSON.stringify(body)),
      (error: Error) => {
        console.error(`POST ${imagesUrl}/token: ${error.message}`);
        send(res, 502, 'application/json', JSON.stringify({ error: { message: 'the image service cannot be reached' } }));
      },
    );
    return;
  }
  send(res, 404, 'application/json', JSON.stringify({ error: { message: 'not found' } }));
});
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`, images: imagesUrl }));
});
process.once('SIGTERM', () => server.close(() => console.log(JSON.stringify({ stopped: true }))));
