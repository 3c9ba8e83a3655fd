import type { OutputFormat } from '../../domain/image-format.js';
import type { ImageRequest } from '../../domain/image-request.js';
import type { Limits } from '../../domain/limits.js';
import type { OriginalMetadata } from '../../domain/original.js';
import { Rendition, resolveSpec, type RenderDefaults } from '../../domain/rendition.js';
import { OriginalNotFoundError } from '../application-error.js';
import type { BackgroundTasks } from '../background-tasks.js';
import type { RenderGate } from '../render-gate.js';
import type { CacheIndex } from '../ports/cache-index.js';
import type { Clock } from '../ports/clock.js';
import type { OriginalStore } from '../ports/original-store.js';
import type { RenditionCache, StoredObject } from '../ports/rendition-cache.js';
import type { RenderedImage, Transformer } from '../ports/transformer.js';
import type { Logger } from '../ports/logger.js';

export interface GetRenditionSettings {
  readonly limits: Limits;
  readonly defaults: RenderDefaults;
  /** Serve AVIF/WebP instead of JPEG/PNG to clients that accept them, without `?auto=format`. */
  readonly negotiate: boolean;
  /** Above this many output pixels, negotiation picks WebP over AVIF: AVIF encodes an order of magnitude slower. */
  readonly avifMaxPixels: number;
}

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

/**
 * SPEC §4: answers a rendition request from the cache when it is stored, and otherwise renders it,
 * answers at once and stores it in the background. Identical concurrent misses share one render,
 * and keep sharing it until the background store has finished.
 */
export class GetRendition {
  private readonly inFlight = new Map<string, Promise<RenderedImage>>();

  constructor(
    private readonly index: CacheIndex,
    private readonly originals: OriginalStore,
    private readonly cache: RenditionCache,
    private readonly transformer: Transformer,
    private readonly clock: Clock,
    private readonly background: BackgroundTasks,
    private readonly logger: Logger,
    private readonly settings: GetRenditionSettings,
    /** Bounds concurrent renders (SPEC §6 "Load"); without one, renders are not limited. */
    private readonly gate?: RenderGate,
  ) {}

  /** Works out which rendition a request names, without touching any store but the index. */
  async identify(request: ImageRequest, accepts: ReadonlySet<OutputFormat>): Promise<{ original: OriginalMetadata } & Answer> {
    const original = await this.index.findOriginal(request.id);
    if (original === undefined) throw new OriginalNotFoundError(`no original with id ${request.id}`);
    const { format, negotiated } = this.chooseFormat(request, original, accepts);
    const spec = resolveSpec(request, format, original, this.settings.defaults, this.settings.limits);
    return { original, rendition: Rendition.of(original, spec), negotiated };
  }

  async execute(input: GetRenditionInput): Promise<GetRenditionOutput> {
    const { original, rendition, negotiated } = await this.identify(input.request, input.accepts);
    const answer = { rendition, negotiated };
    if (input.ifNoneMatch?.some((tag) => tag === '*' || tag === rendition.etag || tag === `W/${rendition.etag}`)) {
      return { kind: 'not-modified', ...answer };
    }

    if ((await this.index.findRendition(rendition.key)) !== undefined) {
      if (input.delivery === 'redirect') {
        const location = await this.cache.locate(rendition.key);
        if (location !== undefined) return { kind: 'redirect', ...answer, url: location.url, expiresAt: location.expiresAt };
      }
      const object = await this.cache.open(rendition.key);
      if (object !== undefined) return { kind: 'stream', ...answer, object };
      // The row outlived its object (removed behind our back): forget it and render again.
      this.logger.warn('index row without object; rendering again', { key: rendition.key });
      await this.index.deleteRendition(rendition.key);
    }

    const shared = this.inFlight.get(rendition.key);
    if (shared !== undefined) return { kind: 'rendered', ...answer, image: await shared, coalesced: true };
    return { kind: 'rendered', ...answer, image: await this.renderAndStore(original, rendition), coalesced: false };
  }

  private renderAndStore(original: OriginalMetadata, rendition: Rendition): Promise<RenderedImage> {
    const key = rendition.key;
    const render = this.render(original, rendition);
    this.inFlight.set(key, render);
    render.then(
      (image) => {
        void this.background.run(`store ${key}`, async () => {
          try {
            await this.cache.put(key, image.bytes, rendition.contentType);
            // Only after the object is stored: the index never points at nothing.
            await this.index.saveRendition({
              key,
              originalId: original.id,
              originalVersion: original.version,
              format: rendition.spec.format,
              width: image.width,
              height: image.height,
              bytes: image.bytes.length,
              createdAt: this.clock.now(),
            });
          } finally {
            this.inFlight.delete(key);
          }
        });
      },
      () => this.inFlight.delete(key),
    );
    return render;
  }

  private async render(original: OriginalMetadata, rendition: Rendition): Promise<RenderedImage> {
    const bytes = await this.originals.get(original);
    if (bytes === undefined) {
      this.logger.error('indexed original has no object', { id: original.id, version: original.version });
      throw new OriginalNotFoundError(`the original ${original.id} is missing from the store`);
    }
    // Only the transformer call is gated: fetching the original is I/O that must not hold a render slot.
    const work = () => this.transformer.render(bytes, rendition.spec);
    return this.gate === undefined ? work() : this.gate.run(work);
  }

  private chooseFormat(
    request: ImageRequest,
    original: OriginalMetadata,
    accepts: ReadonlySet<OutputFormat>,
  ): { format: OutputFormat; negotiated: boolean } {
    const negotiable = request.format === 'jpeg' || request.format === 'png';
    if (!negotiable || !(request.autoFormat || this.settings.negotiate)) return { format: request.format, negotiated: false };
    const box = request.box();
    const pixels = (box.width || original.width) * (box.height || original.height);
    if (accepts.has('avif') && pixels <= this.settings.avifMaxPixels) return { format: 'avif', negotiated: true };
    if (accepts.has('webp')) return { format: 'webp', negotiated: true };
    return { format: request.format, negotiated: true };
  }
}
