// Runs the Cloud Storage emulator from firebase-tools (a pure Node HTTP server speaking a subset of the
// GCS JSON API) without its Java security-rules runtime, which would need Java 21 and a downloaded jar.
// Requests from @google-cloud/storage are admin requests that bypass security rules anyway.
// firebase-tools is not a project dependency (≈310 MB): gcs-emulator.sh installs it into a cache folder
// and passes that folder as FIREBASE_TOOLS_DIR. This reaches into firebase-tools internals, hence the
// exact version pin checked below.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');

const PINNED_VERSION = '15.34.2';
const toolsDir = process.env.FIREBASE_TOOLS_DIR;
if (!toolsDir) {
  console.error('gcs-emulator: FIREBASE_TOOLS_DIR is not set (start it through gcs-emulator.sh)');
  process.exit(2);
}
const requireTools = createRequire(path.join(toolsDir, 'package.json'));
const { version } = requireTools('firebase-tools/package.json');
if (version !== PINNED_VERSION) {
  console.error(`gcs-emulator: firebase-tools ${version} found in ${toolsDir}, this script needs ${PINNED_VERSION}`);
  process.exit(2);
}
const { StorageEmulator } = requireTools('firebase-tools/lib/emulator/storage');
const { EmulatorRegistry } = requireTools('firebase-tools/lib/emulator/registry');

const port = Number(process.env.PORT || 9199);
const host = process.env.HOST || '127.0.0.1';
const emulator = new StorageEmulator({
  projectId: process.env.PROJECT || 'demo-test',
  host,
  port,
  rules: [],
  auto_download: false,
});
emulator._rulesRuntime.start = async () => {};
emulator._rulesRuntime.stop = async () => {};

EmulatorRegistry.start(emulator).then(
  () => console.log(`gcs-emulator: listening on http://${host}:${port}`),
  (error) => {
    console.error('gcs-emulator: failed to start', error);
    process.exit(1);
  },
);
const stop = () => EmulatorRegistry.stop('storage').finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
