import { ContainerModule } from 'inversify';
import { createS3Client } from '../../../adapters/s3/s3-client.js';
import type { S3Config } from '../../../adapters/s3/s3-config.js';
import { S3OriginalStore } from '../../../adapters/s3/s3-original-store.js';
import { S3RenditionCache } from '../../../adapters/s3/s3-rendition-cache.js';
import { TOKENS } from '../tokens.js';

export function s3OriginalStoreModule(config: S3Config): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const client = createS3Client(config);
    bind(TOKENS.OriginalStore)
      .toResolvedValue(() => new S3OriginalStore(client, config))
      .onDeactivation(() => client.destroy());
  });
}

export function s3RenditionCacheModule(config: S3Config): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const client = createS3Client(config);
    bind(TOKENS.RenditionCache)
      .toResolvedValue(() => new S3RenditionCache(client, config))
      .onDeactivation(() => client.destroy());
  });
}
