#!/usr/bin/env node
// The `lir` / `live-image-resize` command. CommonJS on purpose: this file is read synchronously, so the line
// below runs before libuv starts its thread pool (the ES module loader reads files through it), which is the
// only moment UV_THREADPOOL_SIZE takes effect (docs/adr/0009-render-concurrency-and-thread-pools.md).
'use strict';
const { existsSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

if (!process.env.UV_THREADPOOL_SIZE) process.env.UV_THREADPOOL_SIZE = String(os.availableParallelism() + 4);

const root = path.join(__dirname, '..');
const source = path.join(root, 'src/infrastructure/cli/main.ts');
const built = path.join(root, 'dist/src/infrastructure/cli/main.js');

/**
 * A checkout runs its sources (no build step to forget, no stale dist/); an installed package runs its build,
 * even in a project that has tsx (the package ships src/ for its source maps, but no tsconfig.json).
 */
async function load() {
  if (existsSync(source) && existsSync(path.join(root, 'tsconfig.json'))) {
    let tsx;
    try {
      tsx = await import('tsx/esm/api');
    } catch (error) {
      if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    }
    if (tsx !== undefined) {
      tsx.register();
      return import(pathToFileURL(source).href);
    }
  }
  if (existsSync(built)) return import(pathToFileURL(built).href);
  process.stderr.write(`lir: neither ${built} nor tsx to run ${source} was found; run \`npm run build\` first\n`);
  process.exit(1);
}

load().catch((error) => {
  process.stderr.write(`lir: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
