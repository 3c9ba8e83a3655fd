import { randomUUID } from 'node:crypto';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { BucketOriginalStore } from '../../../src/adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../src/adapters/object-storage/bucket-rendition-cache.js';
import { S3Bucket } from '../../../src/adapters/s3/s3-bucket.js';
import { createS3Client } from '../../../src/adapters/s3/s3-client.js';
import type { S3Config } from '../../../src/adapters/s3/s3-config.js';
import { startTcpProxy } from '../../support/tcp-proxy.js';

/** The S3 server the tests use (scripts/test-services/start-all.sh starts Ceph RGW and prints these variables). */
export interface S3TestServer {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly bucket: string;
}

const VARIABLES = ['TEST_S3_ENDPOINT', 'TEST_S3_ACCESS_KEY', 'TEST_S3_SECRET_KEY', 'TEST_S3_BUCKET'] as const;

export function s3TestServer(): S3TestServer | undefined {
  const [endpoint, accessKeyId, secretAccessKey, bucket] = VARIABLES.map((name) => process.env[name]);
  if (!endpoint || !accessKeyId || !secretAccessKey || !bucket) return undefined;
  return { endpoint, accessKeyId, secretAccessKey, bucket };
}

/** For a `before` hook: skips the suite, saying which variables are missing, when no S3 server is configured. */
export function skipWithoutS3(context: Mocha.Context, what: string): void {
  if (s3TestServer() !== undefined) return;
  const missing = VARIABLES.filter((name) => !process.env[name]);
  console.warn(`      ${what} skipped: ${missing.join(', ')} not set (eval "$(scripts/test-services/start-all.sh)")`);
  context.skip();
}

/** An S3 driver's whole configuration slice: the bucket's and the stores' (prefix, delivery). */
export type S3StoreConfig = S3Config & BucketRenditionCacheConfig;

/** The original store the composition root builds for `originals.driver=s3`. */
export function s3OriginalStore(client: S3Client, config: S3StoreConfig): BucketOriginalStore {
  return new BucketOriginalStore(new S3Bucket(client, config), config);
}

/** The rendition cache the composition root builds for `renditions.driver=s3`. */
export function s3RenditionCache(client: S3Client, config: S3StoreConfig): BucketRenditionCache {
  return new BucketRenditionCache(new S3Bucket(client, config), config);
}

export function s3ConfigFor(server: S3TestServer, overrides: Partial<S3StoreConfig> = {}): S3StoreConfig {
  return {
    bucket: server.bucket,
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    ...overrides,
  };
}

/** Deletes every object under `prefix` with plain SDK commands: cleanup must not depend on the adapter under test. */
export async function deleteEverythingUnder(server: S3TestServer, prefix: string): Promise<void> {
  const admin = createS3Client(s3ConfigFor(server));
  try {
    for (;;) {
      const page = await admin.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix, MaxKeys: 1000 }));
      const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key! }));
      if (keys.length === 0) return;
      await admin.send(new DeleteObjectsCommand({ Bucket: server.bucket, Delete: { Objects: keys, Quiet: true } }));
    }
  } finally {
    admin.destroy();
  }
}

export interface S3Run<T> {
  readonly subject: T;
  /** The key prefix of this run: every object the subject writes is under it. */
  readonly keyPrefix: string;
  readonly cleanup: () => Promise<void>;
  /** Cuts the subject's connection to the server (a relay in between is closed); the server itself keeps running. */
  readonly simulateOutage: () => Promise<void>;
}

/**
 * A subject talking to the real server through a loopback relay, under its own unique key prefix, so runs
 * can share one bucket and an outage can be simulated for this subject alone.
 */
export async function s3Run<T>(
  server: S3TestServer,
  build: (client: S3Client, config: S3StoreConfig) => T,
  overrides: Partial<S3StoreConfig> = {},
): Promise<S3Run<T>> {
  const proxy = await startTcpProxy(Number(new URL(server.endpoint).port));
  const prefix = `test-runs/${randomUUID()}`;
  const config = s3ConfigFor(server, { endpoint: `http://127.0.0.1:${proxy.port}`, prefix, ...overrides });
  const client = createS3Client(config);
  return {
    subject: build(client, config),
    keyPrefix: prefix,
    simulateOutage: () => proxy.stop(),
    cleanup: async () => {
      client.destroy();
      await proxy.stop();
      await deleteEverythingUnder(server, `${prefix}/`);
    },
  };
}
