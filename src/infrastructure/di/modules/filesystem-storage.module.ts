import path from 'node:path';
import { ContainerModule } from 'inversify';
import type { Logger } from '../../../application/ports/logger.js';
import { ObjectFolder } from '../../../adapters/filesystem/object-folder.js';
import { BucketOriginalStore } from '../../../adapters/object-storage/bucket-original-store.js';
import { BucketRenditionCache } from '../../../adapters/object-storage/bucket-rendition-cache.js';
import { TOKENS, type StartupTask } from '../tokens.js';

interface FolderSettings {
  readonly root: string | undefined;
  readonly minFreeBytes: number;
  readonly dataDir: string;
}

export function filesystemOriginalStoreModule(settings: FolderSettings): ContainerModule {
  const folder = new ObjectFolder(settings.root ?? path.join(settings.dataDir, 'originals'), settings);
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.OriginalStore).toConstantValue(new BucketOriginalStore(folder));
    bind(TOKENS.StartupTasks).toResolvedValue((logger) => staleTempFileSweep(folder, logger), [TOKENS.Logger]);
  });
}

export function filesystemRenditionCacheModule(settings: FolderSettings & { readonly publicBaseUrl: string | undefined }): ContainerModule {
  const folder = new ObjectFolder(settings.root ?? path.join(settings.dataDir, 'renditions'), settings);
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.RenditionCache).toConstantValue(new BucketRenditionCache(folder, { publicBaseUrl: settings.publicBaseUrl }));
    bind(TOKENS.StartupTasks).toResolvedValue((logger) => staleTempFileSweep(folder, logger), [TOKENS.Logger]);
  });
}

/**
 * Temp files of writes cut short by a crash (`kill -9`, power loss) are never read, but nothing else would
 * ever remove them. The sweep runs in the background: it visits every folder of the store, which takes a
 * while on a large cache, and nothing needs to wait for it.
 */
function staleTempFileSweep(folder: ObjectFolder, logger: Logger): StartupTask {
  return {
    name: `remove stale temp files under ${folder.root}`,
    run: async () => {
      folder.removeStaleTempFiles().then(
        (removed) => {
          if (removed > 0) logger.info('removed temp files of interrupted writes', { root: folder.root, removed });
        },
        (error: unknown) => logger.warn('could not remove stale temp files', { root: folder.root, err: error }),
      );
    },
  };
}
