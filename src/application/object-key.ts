import { objectKeyProblem } from '../domain/object-key.js';
import { StoreUnavailableError } from './application-error.js';

/** Throws the stores' declared failure, `StoreUnavailableError`, for a key the domain's `objectKeyProblem` refuses. */
export function assertObjectKey(key: string, kind: 'key' | 'prefix'): void {
  const problem = objectKeyProblem(key, kind);
  if (problem !== undefined) {
    throw new StoreUnavailableError(`refused object ${kind} ${JSON.stringify(key.slice(0, 200))}: it ${problem}`);
  }
}
