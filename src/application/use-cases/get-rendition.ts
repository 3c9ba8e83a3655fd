import { chooseOutputFormat } from '../../domain/choose-output-format.js';
import type { OutputFormat } from '../../domain/image-format.js';
import type { ImageRequest } from '../../domain/image-request.js';
import type { Limits } from '../../domain/limits.js';
import type { ImageInfo, OriginalMetadata } from '../../domain/original.js';
import { renditionPrefix } from '../../domain/object-key.js';
import { checkRenderCost, estimateDecodeMs, pixelBudget, renderedFrames, type RenderBudget } from '../../domain/render-cost.js';
import { Rendition, resolveSpec, type RenderDefaults, type RenditionSpec } from '../../domain/rendition.js';
import { OriginalNotFoundError, StoreUnavailableError } from '../application-error.js';
import type { BackgroundTasks } from '../background-tasks.js';
import type { RenderGate } from '../render-gate.js';
import type { RenditionBudget } from '../rendition-budget.js';
import { SingleFlight } from '../single-flight.js';
import type { CacheIndex, RenditionRecord } from '../ports/cache-index.js';
import type { Clock } from '../ports/clock.js';
import type { LocalFile, OriginalStore } from '../ports/original-store.js';
import type { KnownBytes, KnownObject, KnownRows } from '../known.js';
import { LruMap } from '../lru-map.js';
import type { RenditionCache, RenditionLocation, StoredObject } from '../ports/rendition-cache.js';
import type { HeldRenditionLock, RenditionLock } from '../ports/rendition-lock.js';
import type { RenderedImage, Transformer } from '../ports/transformer.js';
import type { Logger } from '../ports/logger.js';

export interface GetRenditionSettings {
  readonly limits: Limits;
  readonly defaults: RenderDefaults;
  /** Serve AVIF/WebP instead of JPEG/PNG to clients that accept them, without `?auto=format`. */
  readonly negotiate: boolean;
  /** Above this many output pixels, negotiation picks WebP over AVIF: AVIF encodes an order of magnitude slower. */
  readonly avifMaxPixels: number;
  /**
   * How long a miss waits for another replica that is rendering the same rendition (the {@link RenditionLock})
   * before rendering it too; 5 s when absent.
   */
  readonly lockWaitMs?: number;
  /** The render time limit and AVIF effort: what the cost model checks a miss against before it starts. */
  readonly budget: RenderBudget;
}

/** Named rather than positional, so that two ports of one shape cannot be swapped unnoticed. */
export interface GetRenditionDependencies {
  readonly index: CacheIndex;
  readonly originals: OriginalStore;
  readonly cache: RenditionCache;
  readonly transformer: Transformer;
  readonly clock: Clock;
  readonly background: BackgroundTasks;
  readonly logger: Logger;
  readonly settings: GetRenditionSettings;
  /** Bounds concurrent renders (SPEC §6 "Load"); without one, renders are not limited. */
  readonly gate?: RenderGate;
  /** Single flight across processes sharing the index; without one, only within this process. */
  readonly lock?: RenditionLock;
  /** Keeps stored renditions within a byte budget (SPEC §8); without one, they are kept until purged. */
  readonly budget?: RenditionBudget;
  /**
   * What {@link GetRendition.known} answers from; without them, it answers nothing. `locations`: how many public
   * rendition URLs it keeps for redirects (a URL is a few dozen bytes), as many as the rendition rows in memory
   * (`memory.renditionRows`): a URL without its row answers nothing.
   */
  readonly known?: { readonly rows: KnownRows; readonly bytes?: KnownBytes; readonly locations: number };
}

const DEFAULT_LOCK_WAIT_MS = 5_000;

export interface GetRenditionInput {
  readonly request: ImageRequest;
  /** Output formats the client's `Accept` header allows explicitly (for negotiation). */
  readonly accepts: ReadonlySet<OutputFormat>;
  /** How a cached rendition is handed over: a redirect to the cache, or the bytes streamed. */
  readonly delivery: 'redirect' | 'proxy';
  /** The client's `If-None-Match` validators; a match answers `not-modified` without touching any store. */
  readonly ifNoneMatch?: readonly string[];
}

interface Answer {
  readonly rendition: Rendition;
  /** True when the format was chosen from `Accept`: the response must say `Vary: Accept`. */
  readonly negotiated: boolean;
}

export type GetRenditionOutput =
  | (Answer & { readonly kind: 'not-modified' })
  | (Answer & { readonly kind: 'redirect'; readonly url: string; readonly expiresAt: Date | undefined })
  | (Answer & { readonly kind: 'stream'; readonly object: StoredObject })
  | (Answer & { readonly kind: 'rendered'; readonly image: RenderedImage; readonly coalesced: boolean });

/** What {@link GetRendition.known} answers: a stream only when its whole body is in memory. */
export type KnownRenditionOutput =
  | Exclude<GetRenditionOutput, { readonly kind: 'stream' | 'rendered' }>
  | (Answer & { readonly kind: 'stream'; readonly object: KnownObject });

/** Whether `If-None-Match` names this entity tag (or any, with `*`). */
function matches(ifNoneMatch: readonly string[] | undefined, etag: string): boolean {
  return ifNoneMatch?.some((tag) => tag === '*' || tag === etag || tag === `W/${etag}`) === true;
}

/**
 * How one flight for a key ended: rendered here (and `stored` settles when its background store has ended), or
 * found stored by another replica once its lock was free.
 */
type Flight =
  | { readonly kind: 'rendered'; readonly image: RenderedImage; readonly stored: Promise<void> }
  | { readonly kind: 'stored'; readonly record: RenditionRecord };

/**
 * SPEC §4: answers a rendition request from the cache when it is stored, and otherwise renders it,
 * answers at once and stores it in the background. Identical concurrent misses share one render,
 * and keep sharing it until the background store has finished. With a {@link RenditionLock}, replicas that
 * share the index also render an identical miss once: the one that takes the lock renders, the others wait for
 * it and then answer from the cache (a hit), or render anyway when the wait runs out.
 */
export class GetRendition {
  private readonly flights = new SingleFlight<Flight>((flight) => (flight.kind === 'rendered' ? flight.stored : undefined));
  private readonly settings: GetRenditionSettings;
  /**
   * Where each rendition a redirect was answered for can be fetched, or `null` when the cache has no URL for it (it is
   * streamed): `locate` of a public URL depends on the key alone. Signed URLs expire, so they are never kept here.
   */
  private readonly locations: LruMap<string, RenditionLocation | null>;
  /**
   * The rendition each request object named last, for which original row and `Accept` formats: a caller that hands
   * over the same request and formats objects again (the hot path keeps them per URL) skips the naming and its hash.
   */
  private readonly named = new WeakMap<ImageRequest, { readonly original: OriginalMetadata; readonly accepts: ReadonlySet<OutputFormat>; readonly answer: Answer }>();

  constructor(private readonly deps: GetRenditionDependencies) {
    this.settings = deps.settings;
    this.locations = new LruMap(deps.known?.locations ?? 0);
  }

  /**
   * The answer when everything it needs is already in this process's memory: the original's and the rendition's
   * index rows, and the rendition's public URL (redirect) or its bytes (stream). Synchronous, with no I/O and no
   * promise, for the hot path (ADR 0034); `undefined` whenever anything would have to be asked, and then `execute`
   * answers. What it answers is what `execute` would answer from the same rows.
   */
  known(input: GetRenditionInput): KnownRenditionOutput | undefined {
    const rows = this.deps.known?.rows;
    const original = rows?.knownOriginal(input.request.id);
    if (rows === undefined || original === undefined) return undefined;
    const answer = this.nameKnown(input.request, original, input.accepts);
    const { rendition } = answer;
    if (matches(input.ifNoneMatch, rendition.etag)) return { kind: 'not-modified', ...answer };
    const record = rows.knownRendition(rendition.key);
    if (record === undefined) return undefined;
    const location = input.delivery === 'redirect' ? this.locations.get(rendition.key) : null;
    if (location === undefined) return undefined;
    if (location !== null) {
      this.deps.budget?.used(rendition.key);
      return { kind: 'redirect', ...answer, url: location.url, expiresAt: undefined };
    }
    const object = this.deps.known?.bytes?.knownObject(rendition.key);
    if (object === undefined || object.size !== record.bytes) return undefined;
    this.deps.budget?.used(rendition.key);
    return { kind: 'stream', ...answer, object };
  }

  private nameKnown(request: ImageRequest, original: OriginalMetadata, accepts: ReadonlySet<OutputFormat>): Answer {
    const named = this.named.get(request);
    if (named !== undefined && named.original === original && named.accepts === accepts) return named.answer;
    const answer = this.name(request, original, accepts);
    this.named.set(request, { original, accepts, answer });
    return answer;
  }

  async execute(input: GetRenditionInput): Promise<GetRenditionOutput> {
    const { original, rendition, negotiated } = await this.identify(input.request, input.accepts);
    const answer = { rendition, negotiated };
    if (matches(input.ifNoneMatch, rendition.etag)) return { kind: 'not-modified', ...answer };

    const record = await this.deps.index.findRendition(rendition.key);
    if (record !== undefined) {
      let cached: GetRenditionOutput | undefined;
      try {
        cached = await this.fromCache(record, rendition, input.delivery, answer);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        // The rendition cache is down but the original and the transformer may not be: the client still gets
        // its image. Not stored again (its row and object exist), and not shared: a degraded path only.
        this.deps.logger.warn('rendition cache unavailable; rendering instead', { key: rendition.key, err: error });
        return { kind: 'rendered', ...answer, image: await this.render(original, rendition), coalesced: false };
      }
      if (cached !== undefined) return cached;
    }
    return this.miss(original, rendition, input.delivery, answer);
  }

  /** Works out which rendition a request names, without touching any store but the index. */
  private async identify(request: ImageRequest, accepts: ReadonlySet<OutputFormat>): Promise<{ original: OriginalMetadata } & Answer> {
    const original = await this.deps.index.findOriginal(request.id);
    if (original === undefined) throw new OriginalNotFoundError(`no original with id ${request.id}`);
    return { original, ...this.name(request, original, accepts) };
  }

  /** The rendition a request names for this original, and whether its format came from `Accept`. */
  private name(request: ImageRequest, original: OriginalMetadata, accepts: ReadonlySet<OutputFormat>): Answer {
    const { limits, defaults } = this.settings;
    // Negotiation never picks an AVIF or WebP that the cost model would refuse: the client asked for JPEG or PNG. A
    // WebP keeps every frame of an animated original, which the JPEG or PNG asked for would not.
    const { budget } = this.settings;
    const avifMaxPixels = Math.min(this.settings.avifMaxPixels, pixelBudget('avif', 1, budget));
    const webpFrames = renderedFrames(original, 'webp');
    const webpMaxPixels = Math.floor(pixelBudget('webp', webpFrames, budget) / webpFrames);
    const policy = { negotiate: this.settings.negotiate, avifMaxPixels, webpMaxPixels, limits, allowUpscale: defaults.allowUpscale };
    const { format, negotiated } = chooseOutputFormat(request, original, accepts, policy);
    const spec = resolveSpec(request, format, original, defaults, limits);
    return { rendition: Rendition.of(original, spec), negotiated };
  }

  private async miss(original: OriginalMetadata, rendition: Rendition, delivery: GetRenditionInput['delivery'], answer: Answer): Promise<GetRenditionOutput> {
    const first = this.flights.join(rendition.key, () => this.lockAndRender(original, rendition, true));
    const flight = await first.result;
    if (flight.kind === 'rendered') return { kind: 'rendered', ...answer, image: flight.image, coalesced: first.shared };
    // Another replica rendered and stored it while we waited for its lock: answered from the cache, a hit.
    const cached = await this.fromCache(flight.record, rendition, delivery, answer);
    if (cached !== undefined) return cached;
    // Its object vanished or was damaged before we could read it (and `fromCache` forgot the row): render it
    // here, without the lock this time so that this request cannot end up waiting for another replica again.
    const second = this.flights.join(rendition.key, () => this.lockAndRender(original, rendition, false));
    const retry = await second.result;
    if (retry.kind === 'rendered') return { kind: 'rendered', ...answer, image: retry.image, coalesced: second.shared };
    return { kind: 'rendered', ...answer, image: await this.render(original, rendition), coalesced: false };
  }

  /**
   * The stored rendition `record` names, redirected to or opened, or `undefined` when its object is gone or is
   * not the size the row recorded (removed or truncated behind our back): then the row is forgotten, and the
   * caller renders and stores it again, which replaces the damaged object. A redirect hands the bytes over
   * unseen; only what this service streams itself can be checked.
   */
  private async fromCache(
    record: RenditionRecord,
    rendition: Rendition,
    delivery: GetRenditionInput['delivery'],
    answer: Answer,
  ): Promise<GetRenditionOutput | undefined> {
    if (delivery === 'redirect') {
      const location = await this.deps.cache.locate(rendition.key);
      if (location?.expiresAt === undefined) this.locations.set(rendition.key, location ?? null);
      if (location !== undefined) {
        this.deps.budget?.used(rendition.key);
        return { kind: 'redirect', ...answer, url: location.url, expiresAt: location.expiresAt };
      }
    }
    const object = await this.deps.cache.open(rendition.key);
    if (object !== undefined && object.size === record.bytes) {
      this.deps.budget?.used(rendition.key);
      return { kind: 'stream', ...answer, object };
    }
    if (object === undefined) {
      this.deps.logger.warn('index row without object; rendering again', { key: rendition.key });
    } else {
      object.body.destroy?.();
      this.deps.logger.warn('stored rendition is not the size its index row recorded; rendering again', {
        key: rendition.key,
        bytes: object.size,
        expected: record.bytes,
      });
    }
    await this.deps.index.deleteRendition(rendition.key);
    return undefined;
  }

  private async lockAndRender(original: OriginalMetadata, rendition: Rendition, withLock: boolean): Promise<Flight> {
    const key = rendition.key;
    const held = withLock ? await this.acquireLock(key) : undefined;
    let image: RenderedImage;
    try {
      const record = held === undefined ? undefined : await this.deps.index.findRendition(key);
      if (held !== undefined && record !== undefined) {
        this.unlock(held, key);
        return { kind: 'stored', record };
      }
      image = await this.render(original, rendition);
    } catch (error) {
      if (held !== undefined) this.unlock(held, key);
      throw error;
    }
    return { kind: 'rendered', image, stored: this.storeInBackground(original, rendition, image, held) };
  }

  /** The cross-replica lock, or `undefined` when there is none, the wait ran out or the database failed: then we render anyway. */
  private async acquireLock(key: string): Promise<HeldRenditionLock | undefined> {
    if (this.deps.lock === undefined) return undefined;
    try {
      const held = await this.deps.lock.acquire(key, this.settings.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
      // The holder is slow or stuck; a duplicate render beats an unbounded wait.
      if (held === undefined) this.deps.logger.warn('rendition lock wait ran out; rendering without it', { key });
      return held;
    } catch (err) {
      // The lock only saves duplicate work: losing it must not fail a request we can still answer.
      this.deps.logger.warn('rendition lock unavailable; rendering without it', { key, err });
      return undefined;
    }
  }

  private unlock(held: HeldRenditionLock, key: string): void {
    void this.deps.background.run(`unlock ${key}`, () => held.release());
  }

  /** Stores the rendition, then its row; the promise settles (never rejects) when that has ended either way. */
  private storeInBackground(original: OriginalMetadata, rendition: Rendition, image: RenderedImage, held: HeldRenditionLock | undefined): Promise<void> {
    const key = rendition.key;
    return this.deps.background.run(`store ${key}`, async () => {
      try {
        await this.deps.cache.put(key, image.bytes, rendition.contentType);
        // Only after the object is stored: the index never points at nothing.
        await this.deps.index.saveRendition({
          key,
          originalId: original.id,
          originalVersion: original.version,
          format: rendition.spec.format,
          width: image.width,
          height: image.height,
          bytes: image.bytes.length,
          createdAt: this.deps.clock.now(),
        });
        await this.withdrawIfSuperseded(original);
      } finally {
        // Released only once the row is written, so the replica that takes the lock next finds it.
        if (held !== undefined) this.unlock(held, key);
      }
      // After the lock is given back: other replicas waiting for this key need not wait for an eviction round.
      await this.deps.budget?.enforce();
    });
  }

  /**
   * A DELETE or an overwrite that ran while this rendition was rendered or stored has already purged the
   * original's renditions, so it cannot have removed what was written just now: that object would stay reachable
   * at its cache URL (and its row would answer again after a re-upload of the same bytes). Checked after both
   * writes, so whichever order they interleave in, one of the two sides removes it.
   */
  private async withdrawIfSuperseded(original: OriginalMetadata): Promise<void> {
    const current = await this.deps.index.findOriginal(original.id);
    if (current?.version === original.version) return;
    this.deps.logger.info('original deleted or replaced while its rendition was rendered; withdrawing the rendition', {
      id: original.id,
      version: original.version,
    });
    // Rows first, then objects, as every purge does: the index never points at nothing.
    await this.deps.index.deleteRenditionsOfVersion(original.id, original.version);
    await this.deps.cache.purge(renditionPrefix(original));
  }

  /**
   * Renders a miss within the resource model (ADR 0014): work the cost model says cannot finish within the time
   * limit is refused before it starts (422), and the original's bytes are read only once a render slot is granted,
   * so a queued render holds no bytes and memory is bounded by the slots, not by the queue. The gate is told the
   * larger of the render's estimate and its original's decode, so a small thumbnail of a huge original counts as
   * heavy.
   *
   * A local original's file is found before the slot (a few file-system calls and its first 4 KiB, ADR 0036): each
   * of those calls waits for the event loop, which at c = 8 is busy with the other requests, and a slot held through
   * them leaves its core idle (ADR 0036, amendment).
   */
  private async render(original: OriginalMetadata, rendition: Rendition): Promise<RenderedImage> {
    // The index holds what the upload's inspect read from these bytes (the key names their hash): no second header read.
    const info: ImageInfo = { format: original.format, width: original.width, height: original.height, pages: original.pages, hasAlpha: original.hasAlpha };
    const estimatedMs = Math.max(checkRenderCost(rendition.spec, info, this.settings.budget), estimateDecodeMs(info));
    // A miss the gate would turn away now is turned away before its file is looked up (four file-system calls).
    this.deps.gate?.refuseIfFull(estimatedMs);
    const file = await this.deps.originals.local?.(original);
    const work = async () => this.renderFrom(original, rendition.spec, info, file);
    return this.deps.gate === undefined ? work() : this.deps.gate.run(work, estimatedMs);
  }

  /** From the original's local file where the store has one (ADR 0036: no copy of it in memory), from its bytes otherwise. */
  private async renderFrom(original: OriginalMetadata, spec: RenditionSpec, info: ImageInfo, file: LocalFile | undefined): Promise<RenderedImage> {
    const { originals, transformer } = this.deps;
    if (file === undefined) return transformer.render(await this.readOriginal(original), spec, info);
    try {
      return await transformer.render(file, spec, info);
    } catch (error) {
      // A DELETE or a replacement may remove the file between finding it and the decoder opening it (the render may
      // have waited for its slot in between): then this is the 404 that readOriginal gives for an original gone
      // while its render waited, not a decode failure.
      if ((await originals.local?.(original)) === undefined) await this.readOriginal(original);
      throw error;
    }
  }

  private async readOriginal(original: OriginalMetadata): Promise<Uint8Array> {
    const bytes = await this.deps.originals.get(original);
    if (bytes !== undefined) return bytes;
    // Deleted or replaced while this render waited for its slot: a 404 like any request after the DELETE. Only an
    // original the index still lists is one the store has lost.
    const current = await this.deps.index.findOriginal(original.id);
    if (current?.version === original.version) {
      this.deps.logger.error('indexed original has no object', { id: original.id, version: original.version });
      throw new OriginalNotFoundError(`the original ${original.id} is missing from the store`);
    }
    throw new OriginalNotFoundError(`the original ${original.id} was deleted or replaced while its rendition waited to be rendered`);
  }
}
