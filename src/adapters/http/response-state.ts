import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CacheOutcome } from '../../application/cache-outcome.js';

/** What a request's handlers leave for its access line: the request's logger and the cache outcome it was answered with. */
export interface ResponseState {
  /** The request's child logger, made on first use. */
  logger: () => Logger;
  cacheOutcome?: CacheOutcome;
}

/**
 * Kept on the response under a symbol rather than in express's `res.locals`, which responses answered ahead of
 * express (ADR 0034) do not have. Not in a WeakMap: one short-lived key per request made every minor GC walk them.
 */
const STATE = Symbol('live-image-resize.response-state');

type WithState = ServerResponse & { [STATE]?: ResponseState };

export function setResponseState(res: ServerResponse, state: ResponseState): void {
  (res as WithState)[STATE] = state;
}

/** The state `accessLog` set up; every request passes through it first. */
export function responseState(res: ServerResponse): ResponseState {
  const state = (res as WithState)[STATE];
  if (state === undefined) throw new Error('no access log was set up for this response');
  return state;
}
