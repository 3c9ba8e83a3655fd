import path from 'node:path';
import { ContainerModule } from 'inversify';
import { FilesystemOriginalStore } from '../../../adapters/filesystem/filesystem-original-store.js';
import { FilesystemRenditionCache } from '../../../adapters/filesystem/filesystem-rendition-cache.js';
import { TOKENS } from '../tokens.js';

export function filesystemOriginalStoreModule(settings: { root: string | undefined; dataDir: string }): ContainerModule {
  const root = settings.root ?? path.join(settings.dataDir, 'originals');
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.OriginalStore).toConstantValue(new FilesystemOriginalStore({ root }));
  });
}

export function filesystemRenditionCacheModule(settings: {
  root: string | undefined;
  dataDir: string;
  publicBaseUrl: string | undefined;
}): ContainerModule {
  const root = settings.root ?? path.join(settings.dataDir, 'renditions');
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.RenditionCache).toConstantValue(new FilesystemRenditionCache({ root, publicBaseUrl: settings.publicBaseUrl }));
  });
}
