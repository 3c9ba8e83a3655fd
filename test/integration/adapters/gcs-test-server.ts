import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Storage } from '@google-cloud/storage';
import { GcsBucket } from '../../../src/adapters/gcs/gcs-bucket.js';
import { createGcsClient } from '../../../src/adapters/gcs/gcs-client.js';
import type { GcsConfig } from '../../../src/adapters/gcs/gcs-config.js';
import { BucketOriginalStore } from '../../../src/adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../src/adapters/object-storage/bucket-rendition-cache.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';

/**
 * The Cloud Storage server the tests use: firebase-tools' emulator (scripts/test-services/start-all.sh starts
 * it and prints these variables). It does not check signed-URL signatures, expiry or preconditions.
 */
export interface GcsTestServer {
  readonly endpoint: string;
  readonly bucket: string;
}

const VARIABLES = ['TEST_GCS_ENDPOINT', 'TEST_GCS_BUCKET'] as const;

export function gcsTestServer(): GcsTestServer | undefined {
  const [endpoint, bucket] = VARIABLES.map((name) => process.env[name]);
  if (!endpoint || !bucket) return undefined;
  return { endpoint, bucket };
}

/** For a `before` hook: skips the suite, saying which variables are missing, when no emulator is configured. */
export function skipWithoutGcs(context: Mocha.Context, what: string): void {
  if (gcsTestServer() !== undefined) return;
  const missing = VARIABLES.filter((name) => !process.env[name]);
  console.warn(`      ${what} skipped: ${missing.join(', ')} not set (eval "$(scripts/test-services/start-all.sh)")`);
  context.skip();
}

let serviceAccount: GcsConfig['credentials'] | undefined;

/** A throwaway service-account key: signing URLs needs one, and no request ever reaches Google. */
export function dummyServiceAccount(): NonNullable<GcsConfig['credentials']> {
  serviceAccount ??= {
    client_email: 'live-image-resize-test@demo-test.iam.gserviceaccount.com',
    private_key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }) as string,
  };
  return serviceAccount;
}

/** A GCS driver's whole configuration slice: the bucket's and the stores' (prefix, delivery). */
export type GcsStoreConfig = GcsConfig & BucketRenditionCacheConfig;

/** The original store the composition root builds for `originals.driver=gcs`. */
export function gcsOriginalStore(storage: Storage, config: GcsStoreConfig): BucketOriginalStore {
  return new BucketOriginalStore(new GcsBucket(storage, config), config);
}

/** The rendition cache the composition root builds for `renditions.driver=gcs`. */
export function gcsRenditionCache(storage: Storage, config: GcsStoreConfig): BucketRenditionCache {
  return new BucketRenditionCache(new GcsBucket(storage, config), config);
}

export function gcsConfigFor(server: GcsTestServer, overrides: Partial<GcsStoreConfig> = {}): GcsStoreConfig {
  return {
    bucket: server.bucket,
    projectId: 'demo-test',
    apiEndpoint: server.endpoint,
    credentials: dummyServiceAccount(),
    ...overrides,
  };
}

/** Deletes every object under `prefix` with plain SDK calls: cleanup must not depend on the adapter under test. */
export async function deleteEverythingUnder(server: GcsTestServer, prefix: string): Promise<void> {
  const admin = createGcsClient(gcsConfigFor(server));
  const [files] = await admin.bucket(server.bucket).getFiles({ prefix });
  await Promise.all(files.map((file) => file.delete({ ignoreNotFound: true })));
}

export interface GcsRun<T> {
  readonly subject: T;
  /** The key prefix of this run: every object the subject writes is under it. */
  readonly keyPrefix: string;
  readonly cleanup: () => Promise<void>;
  /** Cuts the subject's connection to the emulator (a relay in between is closed); the emulator keeps running. */
  readonly simulateOutage: () => Promise<void>;
}

/**
 * A subject talking to the emulator through a loopback relay, under its own unique key prefix, so runs
 * can share one bucket and an outage can be simulated for this subject alone.
 */
export async function gcsRun<T>(
  server: GcsTestServer,
  build: (storage: Storage, config: GcsStoreConfig) => T,
  overrides: Partial<GcsStoreConfig> = {},
): Promise<GcsRun<T>> {
  const proxy = await startTcpProxy(Number(new URL(server.endpoint).port));
  const prefix = `test-runs/${randomUUID()}`;
  const config = gcsConfigFor(server, { apiEndpoint: `http://127.0.0.1:${proxy.port}`, prefix, ...overrides });
  return {
    subject: build(createGcsClient(config), config),
    keyPrefix: prefix,
    simulateOutage: () => proxy.stop(),
    cleanup: async () => {
      await proxy.stop();
      await deleteEverythingUnder(server, `${prefix}/`);
    },
  };
}
