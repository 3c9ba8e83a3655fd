import { randomUUID } from 'node:crypto';
import { describeCoreLoop } from './core-loop.suite.js';

// The Cloud Storage emulator verifies no signatures, so this run streams hits through the service
// (proxy delivery); signed-URL generation is covered by the GCS adapter's unit tests.
describeCoreLoop(
  'GCS originals and renditions (emulator), proxy delivery + SQLite + sharp',
  () => {
    const { TEST_GCS_ENDPOINT: apiEndpoint, TEST_GCS_BUCKET: bucket } = process.env;
    if (!apiEndpoint || !bucket) {
      console.warn('    skipped: set TEST_GCS_ENDPOINT, TEST_GCS_BUCKET (eval "$(scripts/test-services/start-all.sh)") to run the core loop on GCS');
      return undefined;
    }
    const run = randomUUID().slice(0, 8);
    const store = { driver: 'gcs', bucket, apiEndpoint, projectId: 'demo-test' };
    return {
      originals: { ...store, prefix: `e2e-${run}/originals` },
      renditions: { ...store, prefix: `e2e-${run}/renditions` },
      delivery: { mode: 'proxy' },
    };
  },
  'stream',
);
