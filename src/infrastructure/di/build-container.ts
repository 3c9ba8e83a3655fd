import os from 'node:os';
import { Container, type ContainerModule } from 'inversify';
import { CachingCacheIndex } from '../../application/caching-cache-index.js';
import { MemoryRenditionCache } from '../../application/memory-rendition-cache.js';
import type { Logger as Pino } from 'pino';
import type { Config, StorageConfig } from '../config/config-schema.js';
import { coreModule } from './modules/core.module.js';
import { filesystemOriginalStoreModule, filesystemRenditionCacheModule } from './modules/filesystem-storage.module.js';
import { gcsOriginalStoreModule, gcsRenditionCacheModule } from './modules/gcs-storage.module.js';
import { httpModule } from './modules/http.module.js';
import { inMemoryIndexModule, inMemoryOriginalStoreModule, inMemoryRenditionCacheModule } from './modules/in-memory.module.js';
import { s3OriginalStoreModule, s3RenditionCacheModule } from './modules/s3-storage.module.js';
import { prometheusMetricsModule } from './modules/prometheus-metrics.module.js';
import { sharpTransformerModule } from './modules/sharp-transformer.module.js';
import { sqlIndexModule } from './modules/sql-index.module.js';
import { TOKENS } from './tokens.js';

function originalStoreModule(store: StorageConfig, config: Config): ContainerModule {
  switch (store.driver) {
    case 'filesystem':
      return filesystemOriginalStoreModule({ root: store.root, minFreeBytes: store.minFreeBytes, dataDir: config.dataDir });
    case 's3':
      return s3OriginalStoreModule(store);
    case 'gcs':
      return gcsOriginalStoreModule(store);
    case 'memory':
      return inMemoryOriginalStoreModule();
  }
}

function renditionCacheModule(store: StorageConfig, config: Config): ContainerModule {
  const { publicBaseUrl, signedUrlTtlSeconds } = config.delivery;
  switch (store.driver) {
    case 'filesystem':
      return filesystemRenditionCacheModule({ root: store.root, minFreeBytes: store.minFreeBytes, dataDir: config.dataDir, publicBaseUrl });
    case 's3':
      return s3RenditionCacheModule({ ...store, publicBaseUrl, signedUrlTtlSeconds });
    case 'gcs':
      return gcsRenditionCacheModule({ ...store, publicBaseUrl, signedUrlTtlSeconds });
    case 'memory':
      return inMemoryRenditionCacheModule(publicBaseUrl);
  }
}

function indexModule(config: Config): ContainerModule {
  const index = config.index;
  switch (index.driver) {
    case 'sqlite':
      return sqlIndexModule({ driver: 'sqlite', filename: index.filename, dataDir: config.dataDir });
    case 'postgres':
      return sqlIndexModule(index);
    case 'memory':
      return inMemoryIndexModule();
  }
}

/**
 * libvips threads per render, so that `render.concurrency` renders together use about one thread per
 * core (ADR 0009): at the default (one render per core) each render gets a single thread.
 */
export function libvipsThreadsPerRender(renderConcurrency: number): number {
  return Math.max(1, Math.floor(os.availableParallelism() / renderConcurrency));
}

/** A second is a short staleness for another replica's re-upload, and already saves most index reads of a busy original. */
const ORIGINALS_IN_MEMORY = { ttlMs: 1000, maxEntries: 10_000 } as const;

/** The index's rows in memory (ADR 0012, ADR 0024), told of other replicas' changes when the index announces them. */
function rememberIndexRows(container: Container, config: Config): void {
  const { renditionRows, rowTtlSeconds } = config.memory;
  container.onActivation(TOKENS.CacheIndex, (context, index) => {
    const caching = new CachingCacheIndex(index, context.get(TOKENS.Clock), {
      ...ORIGINALS_IN_MEMORY,
      ...(renditionRows > 0 ? { renditions: { ttlMs: rowTtlSeconds * 1000, maxEntries: renditionRows } } : {}),
    });
    context.get(TOKENS.IndexChanges, { optional: true })?.subscribe((change) => caching.forget(change));
    return caching;
  });
}

/**
 * The composition root: loads the core module plus exactly one module per port, chosen by the
 * validated config's `driver` discriminators, so only the chosen drivers' SDKs are constructed.
 */
export function buildContainer(config: Config, rootLogger: Pino): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  container.load(
    coreModule(config, rootLogger),
    originalStoreModule(config.originals, config),
    renditionCacheModule(config.renditions, config),
    indexModule(config),
    sharpTransformerModule({
      timeoutMs: config.render.timeoutMs,
      avifEffort: config.render.avifEffort,
      webpEffort: config.render.webpEffort,
      concurrency: libvipsThreadsPerRender(config.render.concurrency),
      sharedDecodeBytes: config.memory.sharedDecodeBytes,
    }),
    prometheusMetricsModule(),
    httpModule(config),
  );
  // Every image request looks its original and its rendition up; most of them can be answered from memory.
  if (config.index.driver !== 'memory') rememberIndexRows(container, config);
  const { renditionBytes, largestRenditionBytes } = config.memory;
  if (renditionBytes > 0 && config.renditions.driver !== 'memory') {
    // Proxied hits on small renditions read nothing from the store (ADR 0025).
    container.onActivation(TOKENS.RenditionCache, (_context, cache) => new MemoryRenditionCache(cache, { maxBytes: renditionBytes, maxObjectBytes: largestRenditionBytes }));
  }
  return container;
}
