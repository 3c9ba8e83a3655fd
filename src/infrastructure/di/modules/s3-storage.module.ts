import { ContainerModule } from 'inversify';
import { BucketOriginalStore, type BucketOriginalStoreConfig } from '../../../adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../adapters/object-storage/bucket-rendition-cache.js';
import { S3Bucket } from '../../../adapters/s3/s3-bucket.js';
import { createS3Client } from '../../../adapters/s3/s3-client.js';
import type { S3Config } from '../../../adapters/s3/s3-config.js';
import { TOKENS } from '../tokens.js';

export function s3OriginalStoreModule(config: S3Config & BucketOriginalStoreConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const client = createS3Client(config);
    bind(TOKENS.OriginalStore)
      .toResolvedValue(() => new BucketOriginalStore(new S3Bucket(client, config), config))
      .onDeactivation(() => client.destroy());
  });
}

export function s3RenditionCacheModule(config: S3Config & BucketRenditionCacheConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const client = createS3Client(config);
    bind(TOKENS.RenditionCache)
      .toResolvedValue(() => new BucketRenditionCache(new S3Bucket(client, config), config))
      .onDeactivation(() => client.destroy());
  });
}
