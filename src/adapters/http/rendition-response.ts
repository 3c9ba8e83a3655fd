import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { RENDITION_CACHE_CONTROL } from '../../domain/rendition.js';
import { cacheOutcomeOf, type CacheOutcome } from '../../application/cache-outcome.js';
import type { StoredObject } from '../../application/ports/rendition-cache.js';
import type { GetRenditionOutput } from '../../application/use-cases/get-rendition.js';
import { requestLogger } from './access-log.js';

export interface RedirectSettings {
  readonly redirectStatus: number;
  readonly redirectMaxAge: number;
}

/**
 * Turns what `GetRendition` found into the answer (SPEC §2, §4): 304, a redirect to where the
 * rendition is stored, the stored bytes streamed, or freshly rendered bytes. Returns the cache outcome
 * it answered with (also left in `res.locals.cacheOutcome` for the access line), or `undefined` when
 * the client hung up before the answer was complete.
 */
export async function writeRenditionResponse(
  req: Request,
  res: Response,
  result: GetRenditionOutput,
  settings: RedirectSettings,
): Promise<CacheOutcome | undefined> {
  const { rendition } = result;
  const outcome = cacheOutcomeOf(result);
  res.locals.cacheOutcome = outcome;
  if (result.negotiated) res.vary('Accept');
  res.setHeader('ETag', rendition.etag);
  switch (result.kind) {
    case 'not-modified':
      // The client's copy is the answer: nothing was rendered.
      res.setHeader('X-Cache', 'HIT');
      res.setHeader('Cache-Control', RENDITION_CACHE_CONTROL);
      res.status(304).end();
      break;
    case 'redirect':
      res.setHeader('X-Cache', 'HIT');
      res.setHeader('Cache-Control', `public, max-age=${redirectMaxAge(settings.redirectMaxAge, result.expiresAt)}`);
      res.redirect(settings.redirectStatus, result.url);
      break;
    case 'stream':
      res.setHeader('X-Cache', 'HIT');
      res.setHeader('Cache-Control', RENDITION_CACHE_CONTROL);
      res.setHeader('Content-Type', result.object.contentType);
      res.setHeader('Content-Length', String(result.object.size));
      res.status(200);
      if (!(await streamBody(req, res, result.object.body))) return undefined;
      break;
    case 'rendered':
      res.setHeader('X-Cache', result.coalesced ? 'COALESCED' : 'MISS');
      res.setHeader('Cache-Control', RENDITION_CACHE_CONTROL);
      res.setHeader('Content-Type', rendition.contentType);
      res.setHeader('Content-Length', String(result.image.bytes.length));
      res.status(200);
      if (req.method === 'HEAD') res.end();
      else res.end(result.image.bytes);
      break;
  }
  return outcome;
}

/** A redirect must never be cached longer than its signed target stays valid. */
function redirectMaxAge(configured: number, expiresAt: Date | undefined): number {
  const untilExpiry = expiresAt ? Math.floor((expiresAt.getTime() - Date.now()) / 1000) - 1 : Infinity;
  return Math.max(0, Math.min(configured, untilExpiry));
}

/** `false` when the client hung up mid-stream. */
async function streamBody(req: Request, res: Response, body: StoredObject['body']): Promise<boolean> {
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
