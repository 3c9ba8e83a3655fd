import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ImageRequest } from '../../domain/image-request.js';
import type { Limits } from '../../domain/limits.js';
import type { CacheOutcome } from '../../application/cache-outcome.js';
import type { GetImageInfo } from '../../application/use-cases/get-image-info.js';
import type { GetRendition } from '../../application/use-cases/get-rendition.js';
import type { OutputFormat } from '../../domain/image-format.js';
import { LruMap } from '../../application/lru-map.js';
import { acceptedFormats, entityTags } from './accept-header.js';
import { logsSuccess, startAccessLog } from './access-log.js';
import { setCorsHeaders, setCrossOriginResourcePolicy, type CorsPolicy } from './cors.js';
import { renditionInput } from './image-route.js';
import { infoPathId, writeInfo } from './info-route.js';
import { HeaderFields, pathOf, type HeaderTarget } from './plain-response.js';
import { writeKnownRendition } from './rendition-response.js';
import type { ResponseObserver } from './request-metrics.js';
import type { UrlSigningKeys } from './url-signing-keys.js';

export interface KnownReadsDependencies {
  readonly getRendition: GetRendition;
  readonly getImageInfo: GetImageInfo;
  readonly logger: Logger;
  readonly cors: CorsPolicy;
  readonly limits: Limits;
  readonly delivery: { readonly mode: 'redirect' | 'proxy'; readonly redirectStatus: number; readonly redirectMaxAge: number };
  readonly signing: UrlSigningKeys | undefined;
  /** `compat.legacy`: URLs are read in the legacy dialect (a URL that uses a legacy form is left to the router, which counts it). */
  readonly legacy: boolean;
  /**
   * Distinct image URLs (with their `Accept`) whose parse is kept once memory has answered them (with the naming
   * `GetRendition` keeps for it, most of the 1.2 KB or so of heap a rendition read from memory holds):
   * `memory.renditionRows`, since a URL whose rendition row is not in memory is not answered here anyway. 0 leaves
   * every image read to the routes (no rendition row is in memory to answer one from).
   */
  readonly preparedReads: number;
  readonly onResponse?: ResponseObserver;
  readonly onImageResponse?: (outcome: CacheOutcome, status: number) => void;
  readonly onInfoResponse?: (status: number) => void;
  /** Called once per request whose decision failed (a bug: the routes answered it; for metrics). */
  readonly onFailure?: () => void;
  /** Milliseconds since the epoch, for the failure warnings' interval; `Date.now` when absent. */
  readonly now?: () => number;
  /** The request as express would have prepared it, for the access line (`req.ip`, `req.hostname`); run only when the line is written. */
  readonly asExpressRequest?: (req: IncomingMessage) => IncomingMessage;
}

/**
 * A failed decision is warned about once per distinct message per minute, and at most this many messages a minute:
 * it fails on every request that takes the same path, and a line per request would bury the log (the counter has
 * every one).
 */
const FAILURE_WARNING_INTERVAL_MS = 60_000;
const FAILURE_WARNINGS_PER_INTERVAL = 10;

/** An image URL read once: its request and `Accept` formats, the same objects every time (`GetRendition.known` keys on them). */
interface PreparedRead {
  readonly request: ImageRequest;
  readonly accepts: ReadonlySet<OutputFormat>;
}

/** What a known read answers with, decided before anything is written. */
type Decision =
  | { readonly route: 'image'; readonly write: (req: IncomingMessage, res: ServerResponse, head: HeaderTarget) => CacheOutcome }
  | { readonly route: 'info'; readonly write: (req: IncomingMessage, res: ServerResponse, head: HeaderTarget) => void };

/**
 * Image reads and `/{id}.json` answered from what this process holds in memory (ADR 0034): a known rendition's
 * redirect, 304 or bytes, a known original's info. Everything is decided first, synchronously, without I/O or a
 * promise; only then is anything written, with the same functions the routes use (access line, metrics, CORS,
 * headers), so the answer is the one the routes would give. `decide` returns `undefined` for anything else (a
 * miss, a row not in memory, an error to answer, a signature to refuse, a legacy form to count), and the request
 * goes the usual way.
 */
export class KnownReads {
  /**
   * Valid, signed (when signing is on) image URLs by URL and `Accept` header that memory has answered: a URL read
   * again needs no parse and no HMAC, the same string having been checked before.
   */
  private readonly prepared: LruMap<string, PreparedRead>;

  /** The failure messages warned about since `warnedSince`. */
  private readonly warned = new Set<string>();
  private warnedSince = -Infinity;

  constructor(private readonly deps: KnownReadsDependencies) {
    this.prepared = new LruMap(deps.preparedReads);
  }

  /** What to answer, or `undefined` to leave the request to the routes. Never throws, never writes. */
  decide(req: IncomingMessage): Decision | undefined {
    try {
      return this.tryDecide(req);
    } catch (error) {
      // The routes answer the request properly (with an error answer if the request itself is at fault), so a failure
      // here would only show as a slower hit: it is counted and warned about instead.
      this.failed(req, error);
      return undefined;
    }
  }

  /** Writes what `decide` chose, as the routes would have written it. */
  answer(req: IncomingMessage, res: ServerResponse, decision: Decision): void {
    const { deps } = this;
    const started = deps.onResponse === undefined ? 0n : process.hrtime.bigint();
    // Headers gathered and written in one `writeHead`, as a bare server does, unless the access line will list them.
    const head = logsSuccess(deps.logger) ? res : new HeaderFields();
    startAccessLog(deps.logger, req, res, { asLogged: deps.asExpressRequest, success: true, head });
    setCorsHeaders(deps.cors, 'read', req, head);
    setCrossOriginResourcePolicy(head);
    if (decision.route === 'info') {
      decision.write(req, res, head);
      deps.onInfoResponse?.(res.statusCode);
    } else {
      const outcome = decision.write(req, res, head);
      deps.onImageResponse?.(outcome, res.statusCode);
    }
    // The whole answer is written (to the socket or its buffer) by now: observed here rather than on the response's
    // close, which would cost a listener per request for the same numbers.
    deps.onResponse?.(decision.route, req.method === 'HEAD' ? 'HEAD' : 'GET', res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
  }

  private failed(req: IncomingMessage, error: unknown): void {
    const { deps } = this;
    deps.onFailure?.();
    const now = (deps.now ?? Date.now)();
    if (now - this.warnedSince >= FAILURE_WARNING_INTERVAL_MS) {
      this.warned.clear();
      this.warnedSince = now;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (this.warned.has(message) || this.warned.size >= FAILURE_WARNINGS_PER_INTERVAL) return;
    this.warned.add(message);
    deps.logger.warn(
      { err: error, url: { path: pathOf(req.url) } },
      'a read from memory failed and was left to the routes (warned once a minute per message)',
    );
  }

  private tryDecide(req: IncomingMessage): Decision | undefined {
    const { deps } = this;
    const url = req.url ?? '/';
    const path = pathOf(url);
    const id = infoPathId(path);
    if (id !== undefined) {
      const info = deps.getImageInfo.known({ id, ifNoneMatch: entityTags(req.headers['if-none-match']) });
      return info && { route: 'info', write: (q, s, h) => writeInfo(q, s, info, h) };
    }
    if (deps.preparedReads === 0) return undefined;
    const accept = req.headers.accept;
    const key = accept === undefined ? url : `${url}\n${accept}`;
    const kept = this.prepared.get(key);
    const read = kept ?? this.prepare(url, path, accept);
    if (read === undefined) return undefined;
    // The same objects for a URL read again: `GetRendition.known` keeps its naming per request and formats.
    const result = deps.getRendition.known(renditionInput(req, read.request, deps.delivery.mode, read.accepts));
    if (result === undefined) return undefined;
    // Kept only once memory answered it: a miss (most URLs read once, by a cold cache or a crawler) would hold its
    // parse and naming, 1.4 KB or more, for nothing until its rendition is known, which only a later read finds.
    if (kept === undefined) this.prepared.set(key, read);
    return { route: 'image', write: (q, s, h) => writeKnownRendition(q, s, result, deps.delivery, h) };
  }

  private prepare(url: string, path: string, accept: string | undefined): PreparedRead | undefined {
    const { deps } = this;
    if (deps.signing !== undefined && deps.signing.check(url) !== 'valid') return undefined;
    const parsed = ImageRequest.parse(path, url.slice(path.length + 1), deps.limits, { legacy: deps.legacy });
    if (parsed.kind !== 'valid' || parsed.legacyForms.length > 0) return undefined;
    return { request: parsed.request, accepts: acceptedFormats(accept) };
  }
}
