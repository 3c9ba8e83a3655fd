import { ContainerModule } from 'inversify';
import { countFailures } from '../../../adapters/prometheus/failure-counting.js';
import { MeteredOriginalStore } from '../../../adapters/prometheus/metered-original-store.js';
import { MeteredTransformer } from '../../../adapters/prometheus/metered-transformer.js';
import { countsSharedRenders, PrometheusMetrics } from '../../../adapters/prometheus/prometheus-metrics.js';
import { TOKENS } from '../tokens.js';

/**
 * `/metrics`: one registry per container, fed by decorating the driver-chosen ports as they are
 * activated (render timings, upload bytes, index/store failures), so neither the use cases nor the
 * other driver modules know about metrics.
 */
export function prometheusMetricsModule(): ContainerModule {
  return new ContainerModule(({ bind, onActivation }) => {
    bind(TOKENS.Metrics).toResolvedValue((renderQueue) => new PrometheusMetrics({ renderQueue }), [TOKENS.RenderGate]);
    // On activation rather than as a dependency of the metrics: the budget needs the index, which the metrics wrap.
    onActivation(TOKENS.RenditionBudget, (context, budget) => {
      context.get(TOKENS.Metrics).watchRenditionBudget(budget);
      return budget;
    });
    onActivation(TOKENS.Transformer, (context, transformer) => {
      const metrics = context.get(TOKENS.Metrics);
      if (countsSharedRenders(transformer)) metrics.watchDecodeSharing(transformer);
      return new MeteredTransformer(transformer, metrics);
    });
    onActivation(TOKENS.OriginalStore, (context, store) => {
      const metrics = context.get(TOKENS.Metrics);
      return countFailures(new MeteredOriginalStore(store, metrics), 'original-store', metrics);
    });
    onActivation(TOKENS.RenditionCache, (context, cache) => countFailures(cache, 'rendition-cache', context.get(TOKENS.Metrics)));
    onActivation(TOKENS.CacheIndex, (context, index) => countFailures(index, 'cache-index', context.get(TOKENS.Metrics)));
    onActivation(TOKENS.TokenStore, (context, tokens) => countFailures(tokens, 'token-store', context.get(TOKENS.Metrics)));
  });
}
