import { ContainerModule } from 'inversify';
import type { S3Client } from '@aws-sdk/client-s3';
import { BucketOriginalStore, type BucketOriginalStoreConfig } from '../../../adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../adapters/object-storage/bucket-rendition-cache.js';
import type { OriginalStore } from '../../../application/ports/original-store.js';
import type { RenditionCache } from '../../../application/ports/rendition-cache.js';
import type { S3Bucket } from '../../../adapters/s3/s3-bucket.js';
import type { S3Config } from '../../../adapters/s3/s3-config.js';
import { deferredPort, loadDriver, releaseWhenLoaded } from '../driver-loading.js';
import { TOKENS } from '../tokens.js';

/** What the S3 driver imports: optional dependencies, loaded only when a store's driver is `s3` (ADR 0029). */
const S3_PACKAGES = ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', '@aws-sdk/s3-request-presigner'] as const;

export function loadS3Bucket(setting: string, config: S3Config): Promise<{ readonly client: S3Client; readonly bucket: S3Bucket }> {
  return loadDriver(setting, S3_PACKAGES, async () => {
    const [{ createS3Client }, { S3Bucket }] = await Promise.all([import('../../../adapters/s3/s3-client.js'), import('../../../adapters/s3/s3-bucket.js')]);
    const client = createS3Client(config);
    return { client, bucket: new S3Bucket(client, config) };
  });
}

export function s3OriginalStoreModule(config: S3Config & BucketOriginalStoreConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const loading = loadS3Bucket('originals.driver "s3"', config);
    bind(TOKENS.OriginalStore)
      .toConstantValue(deferredPort<OriginalStore>(loading.then(({ bucket }) => new BucketOriginalStore(bucket, config))))
      .onDeactivation(() => releaseWhenLoaded(loading, ({ client }) => client.destroy()));
    bind(TOKENS.StartupTasks).toConstantValue({ name: 'load the s3 driver of originals', run: async () => void (await loading) });
  });
}

export function s3RenditionCacheModule(config: S3Config & BucketRenditionCacheConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const loading = loadS3Bucket('renditions.driver "s3"', config);
    bind(TOKENS.RenditionCache)
      .toConstantValue(deferredPort<RenditionCache>(loading.then(({ bucket }) => new BucketRenditionCache(bucket, config))))
      .onDeactivation(() => releaseWhenLoaded(loading, ({ client }) => client.destroy()));
    bind(TOKENS.StartupTasks).toConstantValue({ name: 'load the s3 driver of renditions', run: async () => void (await loading) });
  });
}
