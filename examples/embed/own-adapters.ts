// The application layer on adapters of your own: here originals come from your own storage
// (a Map standing in for it), the rest is in memory, and nothing listens on a port.
// Run: node --conditions=lir-source --import tsx examples/embed/own-adapters.ts
import sharp from 'sharp';
import {
  createApplication,
  imageRequestOf,
  InMemoryCacheIndex,
  InMemoryRenditionCache,
  InMemoryTokenStore,
  parseImageId,
  type Logger,
  type OriginalKey,
  type OriginalStore,
} from 'live-image-resize';

/** Your storage, behind the `OriginalStore` port: not-found is `undefined`, delete is idempotent. */
class MyOriginalStore implements OriginalStore {
  private readonly objects = new Map<string, Uint8Array>();
  async put(key: OriginalKey, bytes: Uint8Array): Promise<void> {
    this.objects.set(`${key.id}/${key.version}`, bytes);
  }
  async get(key: OriginalKey): Promise<Uint8Array | undefined> {
    return this.objects.get(`${key.id}/${key.version}`);
  }
  async delete(key: OriginalKey): Promise<void> {
    this.objects.delete(`${key.id}/${key.version}`);
  }
  async check(): Promise<void> {}
}

const logger: Logger = {
  info: (message) => console.error(`info: ${message}`),
  warn: (message) => console.error(`warn: ${message}`),
  error: (message, fields) => console.error(`error: ${message}`, fields?.err),
};

const app = createApplication(
  { originals: new MyOriginalStore(), renditions: new InMemoryRenditionCache(), index: new InMemoryCacheIndex(), tokens: new InMemoryTokenStore(), logger },
  { formats: { negotiate: true } }, // same keys as the service's configuration
);

const photo = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#c83c1e' } }).jpeg().toBuffer();
const id = parseImageId('hero'); // ids are checked once, at the edge
const { token } = await app.issueToken.execute({ id });
const { original } = await app.uploadOriginal.execute({ id, token, bytes: photo });
console.log(JSON.stringify({ uploaded: original.id, width: original.width, height: original.height }));

// A browser that accepts WebP asks for a JPEG: negotiation answers WebP.
const request = imageRequestOf('hero', { width: 300, height: 300, fit: 'crop' });
const first = await app.getRendition.execute({ request, accepts: new Set(['webp']), delivery: 'proxy' });
if (first.kind === 'rendered') {
  const { format, width, height } = await sharp(first.image.bytes).metadata();
  console.log(JSON.stringify({ rendered: request.toUrl(), format, width, height, vary: first.negotiated ? 'Accept' : undefined }));
}
await app.drain(); // the rendition is stored and indexed in the background
const again = await app.getRendition.execute({ request, accepts: new Set(['webp']), delivery: 'proxy' });
console.log(JSON.stringify({ again: again.kind }));
if (again.kind === 'stream') again.object.body.destroy?.();
