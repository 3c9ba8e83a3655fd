import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/infrastructure/config/load-config.js';
import type { Config } from '../../src/infrastructure/config/config-schema.js';
import { TOKENS } from '../../src/infrastructure/di/tokens.js';
import { createLogger } from '../../src/infrastructure/logging/create-logger.js';
import { startService, type RunningService } from '../../src/infrastructure/service.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The shared third-party corpus, beside the repository (CI has it there too). */
export const CORPUS_DIR = path.resolve(REPO_ROOT, '../shared/corpus');

export interface TestService extends RunningService {
  readonly config: Config;
  readonly dataDir: string;
  /** Every log line the service wrote, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line matching `predicate`, waiting up to 2 s for it to be written. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown> | undefined>;
  /** Stops the service and removes its data directory. */
  close(): Promise<void>;
}

type Overrides = Record<string, unknown>;

/**
 * Starts the real service (real config loader, container, express app) on 127.0.0.1 with a free
 * port and a throwaway data directory; `overrides` are applied last, as an operator's config would be.
 */
export async function startTestService(overrides: Overrides = {}): Promise<TestService> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lir-e2e-'));
  const config = loadConfig({
    configDir: path.join(REPO_ROOT, 'config'),
    env: {},
    overrides: { server: { host: '127.0.0.1', port: 0 }, dataDir, log: { level: 'info' }, ...overrides },
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: config.log.level, serviceName: 'live-image-resize', serviceVersion: 'test' }, sink);
  const service = await startService(config, logger);
  return {
    ...service,
    config,
    dataDir,
    logs,
    async waitForLog(predicate) {
      for (let waited = 0; waited < 2000; waited += 20) {
        const line = logs.find(predicate);
        if (line) return line;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    },
    async close() {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TokenResponse {
  token: string;
  id: string;
  expiresAt: string;
}

export async function issueToken(base: string, id: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    body: JSON.stringify({ id }),
  });
}

export async function tokenFor(base: string, id: string): Promise<string> {
  const response = await issueToken(base, id);
  if (response.status !== 200) throw new Error(`token for ${id}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as TokenResponse).token;
}

export async function upload(base: string, id: string, bytes: Uint8Array, token: string | undefined, filename = 'image.bin'): Promise<Response> {
  const form = new FormData();
  form.set('image', new Blob([bytes]), filename);
  return fetch(`${base}/${id}`, { method: 'POST', headers: token === undefined ? {} : { 'X-Token': token }, body: form });
}

/** Token + upload in one step; throws unless the upload answered 201. */
export async function uploadOriginal(base: string, id: string, bytes: Uint8Array): Promise<Record<string, unknown>> {
  const response = await upload(base, id, bytes, await tokenFor(base, id));
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 201) throw new Error(`upload ${id}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Waits until background stores have finished, so the next request is a cache hit. */
export async function settle(service: RunningService): Promise<void> {
  await service.container.get(TOKENS.BackgroundTasks).drain();
}
