import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { RENDITION_CACHE_CONTROL } from '../../domain/rendition.js';
import { cacheOutcomeOf, type CacheOutcome } from '../../application/cache-outcome.js';
import type { StoredObject } from '../../application/ports/rendition-cache.js';
import type { GetRenditionOutput, KnownRenditionOutput } from '../../application/use-cases/get-rendition.js';
import { requestLogger } from './access-log.js';
import { redirect, sendBody, vary, writeHead, type HeaderTarget } from './plain-response.js';
import { responseState } from './response-state.js';

export interface RedirectSettings {
  readonly redirectStatus: number;
  readonly redirectMaxAge: number;
}

/**
 * Turns what `GetRendition` found into the answer (SPEC §2, §4): 304, a redirect to where the
 * rendition is stored, the stored bytes streamed, or freshly rendered bytes. Returns the cache outcome
 * it answered with (also left in the response state for the access line), or `undefined` when
 * the client hung up before the answer was complete.
 */
export async function writeRenditionResponse(
  req: IncomingMessage,
  res: ServerResponse,
  result: GetRenditionOutput,
  settings: RedirectSettings,
): Promise<CacheOutcome | undefined> {
  const outcome = setRenditionHeaders(res, result, settings);
  responseState(res).cacheOutcome = outcome;
  if (result.kind !== 'stream' || result.object.bytes !== undefined) {
    endRendition(req, res, result, settings, res);
    return outcome;
  }
  res.statusCode = 200;
  return (await streamBody(req, res, result.object.body)) ? outcome : undefined;
}

/**
 * An answer from memory (`GetRendition.known`), whole and at once: nothing is read from a store. Its headers go to
 * `head` (the response, or a list written in one `writeHead`) after any already there.
 */
export function writeKnownRendition(
  req: IncomingMessage,
  res: ServerResponse,
  result: KnownRenditionOutput,
  settings: RedirectSettings,
  head: HeaderTarget = res,
): CacheOutcome {
  const outcome = setRenditionHeaders(head, result, settings);
  responseState(res).cacheOutcome = outcome;
  endRendition(req, res, result, settings, head);
  return outcome;
}

/** Every header of the answer but those `endRendition` sets with its body; the cache outcome it answers with. */
function setRenditionHeaders(head: HeaderTarget, result: GetRenditionOutput, settings: RedirectSettings): CacheOutcome {
  const { rendition } = result;
  if (result.negotiated) vary(head, 'Accept');
  head.setHeader('ETag', rendition.etag);
  switch (result.kind) {
    case 'not-modified':
      // The client's copy is the answer: nothing was rendered.
      head.setHeader('X-Cache', 'HIT');
      head.setHeader('Cache-Control', RENDITION_CACHE_CONTROL);
      break;
    case 'redirect':
      head.setHeader('X-Cache', 'HIT');
      head.setHeader('Cache-Control', `public, max-age=${redirectMaxAge(settings.redirectMaxAge, result.expiresAt)}`);
      break;
    case 'stream':
      head.setHeader('X-Cache', 'HIT');
      head.setHeader('Cache-Control', RENDITION_CACHE_CONTROL);
      head.setHeader('Content-Type', result.object.contentType);
      head.setHeader('Content-Length', String(result.object.size));
      break;
    case 'rendered':
      head.setHeader('X-Cache', result.coalesced ? 'COALESCED' : 'MISS');
      head.setHeader('Cache-Control', RENDITION_CACHE_CONTROL);
      break;
  }
  return cacheOutcomeOf(result);
}

/** The status line, the headers in `head` and the body of every answer but a stream read from a store. */
function endRendition(req: IncomingMessage, res: ServerResponse, result: GetRenditionOutput, settings: RedirectSettings, head: HeaderTarget): void {
  switch (result.kind) {
    case 'not-modified':
      writeHead(res, 304, head);
      res.end();
      break;
    case 'redirect':
      redirect(req, res, settings.redirectStatus, result.url, head);
      break;
    case 'stream':
      // Its bytes are in memory.
      writeHead(res, 200, head);
      if (req.method === 'HEAD') res.end();
      else res.end(result.object.bytes);
      break;
    case 'rendered':
      sendBody(req, res, 200, result.rendition.contentType, result.image.bytes, head);
      break;
  }
}

/** A redirect must never be cached longer than its signed target stays valid. */
function redirectMaxAge(configured: number, expiresAt: Date | undefined): number {
  const untilExpiry = expiresAt ? Math.floor((expiresAt.getTime() - Date.now()) / 1000) - 1 : Infinity;
  return Math.max(0, Math.min(configured, untilExpiry));
}

/** `false` when the client hung up mid-stream. */
async function streamBody(req: IncomingMessage, res: ServerResponse, body: StoredObject['body']): Promise<boolean> {
  if (req.method === 'HEAD') {
    body.destroy?.();
    res.end();
    return true;
  }
  try {
    await pipeline(body, res);
    return true;
  } catch (error) {
    // The client went away mid-stream: nothing failed on our side, and there is no one to answer.
    if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' && !res.writableFinished) {
      requestLogger(res).info({ event: { reason: 'client closed the connection during the response' } }, 'client aborted');
      return false;
    }
    throw error;
  }
}
