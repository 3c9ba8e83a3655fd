import path from 'node:path';
import { ContainerModule } from 'inversify';
import { ObjectFolder } from '../../../adapters/filesystem/object-folder.js';
import { BucketOriginalStore } from '../../../adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache } from '../../../adapters/object-storage/bucket-rendition-cache.js';
import { TOKENS } from '../tokens.js';

export function filesystemOriginalStoreModule(settings: { root: string | undefined; dataDir: string }): ContainerModule {
  const root = settings.root ?? path.join(settings.dataDir, 'originals');
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.OriginalStore).toConstantValue(new BucketOriginalStore(new ObjectFolder(root)));
  });
}

export function filesystemRenditionCacheModule(settings: {
  root: string | undefined;
  dataDir: string;
  publicBaseUrl: string | undefined;
}): ContainerModule {
  const root = settings.root ?? path.join(settings.dataDir, 'renditions');
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.RenditionCache).toConstantValue(
      new BucketRenditionCache(new ObjectFolder(root), { publicBaseUrl: settings.publicBaseUrl }),
    );
  });
}
