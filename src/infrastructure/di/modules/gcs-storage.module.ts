import { ContainerModule } from 'inversify';
import { GcsBucket } from '../../../adapters/gcs/gcs-bucket.js';
import { createGcsClient } from '../../../adapters/gcs/gcs-client.js';
import type { GcsConfig } from '../../../adapters/gcs/gcs-config.js';
import { BucketOriginalStore, type BucketOriginalStoreConfig } from '../../../adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../adapters/object-storage/bucket-rendition-cache.js';
import { TOKENS } from '../tokens.js';

// The Storage client holds no sockets of its own (requests go through a shared agent), so there is
// nothing to close on deactivation.
export function gcsOriginalStoreModule(config: GcsConfig & BucketOriginalStoreConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.OriginalStore).toResolvedValue(() => new BucketOriginalStore(new GcsBucket(createGcsClient(config), config), config));
  });
}

export function gcsRenditionCacheModule(config: GcsConfig & BucketRenditionCacheConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.RenditionCache).toResolvedValue(() => new BucketRenditionCache(new GcsBucket(createGcsClient(config), config), config));
  });
}
