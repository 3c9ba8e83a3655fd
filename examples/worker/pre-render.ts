// A worker that pre-renders renditions without HTTP, on the same storage and index as the service,
// so that the first visitor already gets a cache hit.
// Run: node --conditions=lir-source --import tsx examples/worker/pre-render.ts ./data photo-1 photo-2
import { createImageService, imageRequestOf, OriginalNotFoundError } from 'live-image-resize';

const [dataDir = './data', ...ids] = process.argv.slice(2);
const widths = [320, 640, 1280];
const formats = ['webp', 'jpg'] as const;

const images = createImageService({ dataDir, log: { level: 'warn' } }); // default drivers: folders + SQLite under dataDir
await images.start();
try {
  for (const id of ids) {
    for (const format of formats) {
      for (const width of widths) {
        const request = imageRequestOf(id, { width, format });
        try {
          const answer = await images.getRendition.execute({ request, accepts: new Set(), delivery: 'proxy' });
          if (answer.kind === 'stream') answer.object.body.destroy?.(); // already cached: nothing to do
          console.log(JSON.stringify({ url: request.toUrl(), outcome: answer.kind === 'rendered' ? 'rendered' : 'cached' }));
        } catch (error) {
          if (!(error instanceof OriginalNotFoundError)) throw error;
          console.log(JSON.stringify({ url: request.toUrl(), outcome: 'no original' }));
        }
      }
    }
  }
} finally {
  await images.close(); // waits until every rendition is stored and indexed
}
