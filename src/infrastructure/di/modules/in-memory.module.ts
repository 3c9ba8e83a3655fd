import { ContainerModule } from 'inversify';
import { InMemoryCacheIndex } from '../../../adapters/in-memory/in-memory-cache-index.js';
import { InMemoryOriginalStore } from '../../../adapters/in-memory/in-memory-original-store.js';
import { InMemoryRenditionCache } from '../../../adapters/in-memory/in-memory-rendition-cache.js';
import { InMemoryRenditionLock } from '../../../adapters/in-memory/in-memory-rendition-lock.js';
import { InMemoryTokenStore } from '../../../adapters/in-memory/in-memory-token-store.js';
import { TOKENS } from '../tokens.js';

export function inMemoryOriginalStoreModule(): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.OriginalStore).toConstantValue(new InMemoryOriginalStore());
  });
}

export function inMemoryRenditionCacheModule(publicBaseUrl: string | undefined): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.RenditionCache).toConstantValue(new InMemoryRenditionCache(publicBaseUrl));
  });
}

export function inMemoryIndexModule(): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.CacheIndex).toConstantValue(new InMemoryCacheIndex());
    bind(TOKENS.TokenStore).toConstantValue(new InMemoryTokenStore());
    bind(TOKENS.RenditionLock).toConstantValue(new InMemoryRenditionLock());
  });
}
