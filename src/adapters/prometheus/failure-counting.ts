import { IndexUnavailableError, StoreUnavailableError } from '../../application/application-error.js';
import type { PrometheusMetrics } from './prometheus-metrics.js';

/**
 * Wraps a port (cache index, token store, object store) so that every `StoreUnavailableError` or
 * `IndexUnavailableError` it throws is counted under `component`, including failures of background
 * work that no HTTP response reports. Everything else passes through untouched; methods run with the
 * original object as `this`.
 */
export function countFailures<T extends object>(port: T, component: string, metrics: PrometheusMetrics): T {
  const count = (error: unknown): void => {
    if (error instanceof StoreUnavailableError || error instanceof IndexUnavailableError) metrics.countBackendError(component, error.code);
  };
  return new Proxy(port, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          const result: unknown = Reflect.apply(value, target, args);
          if (result instanceof Promise) {
            return result.catch((error: unknown) => {
              count(error);
              throw error;
            });
          }
          return result;
        } catch (error) {
          count(error);
          throw error;
        }
      };
    },
  });
}
