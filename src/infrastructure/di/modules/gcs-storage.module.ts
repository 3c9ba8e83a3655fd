import { ContainerModule } from 'inversify';
import { createGcsClient } from '../../../adapters/gcs/gcs-client.js';
import type { GcsConfig } from '../../../adapters/gcs/gcs-config.js';
import { GcsOriginalStore } from '../../../adapters/gcs/gcs-original-store.js';
import { GcsRenditionCache } from '../../../adapters/gcs/gcs-rendition-cache.js';
import { TOKENS } from '../tokens.js';

// The Storage client holds no sockets of its own (requests go through a shared agent), so there is
// nothing to close on deactivation.
export function gcsOriginalStoreModule(config: GcsConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.OriginalStore).toResolvedValue(() => new GcsOriginalStore(createGcsClient(config), config));
  });
}

export function gcsRenditionCacheModule(config: GcsConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.RenditionCache).toResolvedValue(() => new GcsRenditionCache(createGcsClient(config), config));
  });
}
