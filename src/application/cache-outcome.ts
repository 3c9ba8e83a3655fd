import type { GetRenditionOutput } from './use-cases/get-rendition.js';

/** How an image request was answered, in the words of the access log and the metrics. */
export type CacheOutcome = 'hit' | 'miss' | 'coalesced' | 'redirect' | 'not-modified';

/** A render is a `miss`, or `coalesced` when it was another request's render, shared. */
export function cacheOutcomeOf(result: GetRenditionOutput): CacheOutcome {
  switch (result.kind) {
    case 'not-modified':
      return 'not-modified';
    case 'redirect':
      return 'redirect';
    case 'stream':
      return 'hit';
    case 'rendered':
      return result.coalesced ? 'coalesced' : 'miss';
  }
}
