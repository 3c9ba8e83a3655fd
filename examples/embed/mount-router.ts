// An app that already has its own express server serves images under /images.
// Run: node --conditions=lir-source --import tsx examples/embed/mount-router.ts ./data-example 3000
import express from 'express';
import { createImageService, isImageId } from 'live-image-resize';
import { imageUrl } from 'live-image-resize/client';

const [dataDir = './data-example', port = '3000'] = process.argv.slice(2);

const images = createImageService({
  dataDir,
  originals: { driver: 'filesystem' },
  renditions: { driver: 'filesystem' },
  index: { driver: 'sqlite' },
  log: { level: 'warn' },
});
await images.start(); // schema migrations of the SQLite index

const app = express();
app.get('/', (_req, res) => {
  res.type('html').send(`<img src="${imageUrl('welcome', { width: 400, format: 'webp' }, { baseUrl: '/images' })}">`);
});
// Your back end hands out upload tokens in-process: no HTTP call to the image service, no guard to configure.
app.post('/api/photos/:id/upload', async (req, res) => {
  const id = req.params.id;
  if (!isImageId(id)) {
    res.status(400).json({ error: 'bad id' });
    return;
  }
  const { token, expiresAt } = await images.issueToken.execute({ id });
  res.json({ uploadUrl: `/images/${id}`, token, expiresAt });
});
app.use('/images', images.app); // GET /images/{id}_{w}_{h}.{fmt}, POST /images/{id}, /images/healthz, …

const server = app.listen(Number(port), '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ listening: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}` }));
});
process.once('SIGTERM', () => {
  server.close(async () => {
    await images.close(); // finishes background stores, closes the index
    console.log(JSON.stringify({ stopped: true }));
  });
  server.closeIdleConnections();
});
