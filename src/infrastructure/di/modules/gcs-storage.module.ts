import { ContainerModule } from 'inversify';
import type { GcsBucket } from '../../../adapters/gcs/gcs-bucket.js';
import type { GcsConfig } from '../../../adapters/gcs/gcs-config.js';
import { BucketOriginalStore, type BucketOriginalStoreConfig } from '../../../adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache, type BucketRenditionCacheConfig } from '../../../adapters/object-storage/bucket-rendition-cache.js';
import type { OriginalStore } from '../../../application/ports/original-store.js';
import type { RenditionCache } from '../../../application/ports/rendition-cache.js';
import { deferredPort, loadDriver } from '../driver-loading.js';
import { TOKENS } from '../tokens.js';

/** What the Cloud Storage driver imports: an optional dependency, loaded only when a store's driver is `gcs` (ADR 0029). */
const GCS_PACKAGES = ['@google-cloud/storage'] as const;

// The Storage client holds no sockets of its own (requests go through a shared agent), so there is
// nothing to close on deactivation.
export function loadGcsBucket(setting: string, config: GcsConfig): Promise<GcsBucket> {
  return loadDriver(setting, GCS_PACKAGES, async () => {
    const [{ createGcsClient }, { GcsBucket }] = await Promise.all([import('../../../adapters/gcs/gcs-client.js'), import('../../../adapters/gcs/gcs-bucket.js')]);
    return new GcsBucket(createGcsClient(config), config);
  });
}

export function gcsOriginalStoreModule(config: GcsConfig & BucketOriginalStoreConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const loading = loadGcsBucket('originals.driver "gcs"', config);
    bind(TOKENS.OriginalStore).toConstantValue(deferredPort<OriginalStore>(loading.then((bucket) => new BucketOriginalStore(bucket, config))));
    bind(TOKENS.StartupTasks).toConstantValue({ name: 'load the gcs driver of originals', run: async () => void (await loading) });
  });
}

export function gcsRenditionCacheModule(config: GcsConfig & BucketRenditionCacheConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const loading = loadGcsBucket('renditions.driver "gcs"', config);
    bind(TOKENS.RenditionCache).toConstantValue(deferredPort<RenditionCache>(loading.then((bucket) => new BucketRenditionCache(bucket, config))));
    bind(TOKENS.StartupTasks).toConstantValue({ name: 'load the gcs driver of renditions', run: async () => void (await loading) });
  });
}
