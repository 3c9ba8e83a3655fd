import { BackgroundTasks } from '../../src/application/background-tasks.js';
import type { RenderGate } from '../../src/application/render-gate.js';
import { RenditionBudget } from '../../src/application/rendition-budget.js';
import { GetRendition, type GetRenditionSettings } from '../../src/application/use-cases/get-rendition.js';
import { ImportOriginals } from '../../src/application/use-cases/import-originals.js';
import { IssueToken } from '../../src/application/use-cases/issue-token.js';
import { UploadOriginal } from '../../src/application/use-cases/upload-original.js';
import { GetImageInfo } from '../../src/application/use-cases/get-image-info.js';
import { SetFocalPoint } from '../../src/application/use-cases/set-focal-point.js';
import { HashPlaceholderEncoder } from '../../src/adapters/placeholder/hash-placeholder-encoder.js';
import { InMemoryCacheIndex } from '../../src/adapters/in-memory/in-memory-cache-index.js';
import { InMemoryOriginalStore } from '../../src/adapters/in-memory/in-memory-original-store.js';
import { InMemoryRenditionCache } from '../../src/adapters/in-memory/in-memory-rendition-cache.js';
import { InMemoryTokenStore } from '../../src/adapters/in-memory/in-memory-token-store.js';
import { SharpTransformer } from '../../src/adapters/sharp/sharp-transformer.js';
import { CryptoRandomSource } from '../../src/adapters/system/crypto-random-source.js';
import { ImageRequest } from '../../src/domain/image-request.js';
import type { ImageId } from '../../src/domain/image-id.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import { contentVersionOf, type OriginalMetadata } from '../../src/domain/original.js';
import { Rendition, resolveSpec } from '../../src/domain/rendition.js';
import { CountingTransformer } from './counting-transformer.js';
import { Gate } from './gate.js';
import { ManualClock } from './manual-clock.js';
import { TestLogger } from './test-logger.js';

export const RENDER_SETTINGS: GetRenditionSettings = {
  limits: DEFAULT_LIMITS,
  defaults: { quality: { jpeg: 80, webp: 80, avif: 50, png: 100, gif: 100, tiff: 100 }, blurSigma: 5, allowUpscale: true },
  negotiate: false,
  avifMaxPixels: 2_000_000,
  budget: { timeoutMs: 15_000, avifEffort: 0, webpEffort: 4 },
};

/** The in-memory rendition cache whose `put` can be held at a gate, to observe a background store in flight. */
export class GatedRenditionCache extends InMemoryRenditionCache {
  readonly putGate = new Gate();
  /** `put` calls that have reached the gate. */
  putsStarted = 0;

  override async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    this.putsStarted += 1;
    await this.putGate.wait();
    return super.put(key, bytes, contentType);
  }
}

export interface HarnessOptions {
  readonly publicBaseUrl?: string;
  readonly allowOverwrite?: boolean;
  readonly render?: Partial<GetRenditionSettings>;
  readonly tokenTtlSeconds?: number;
  /** Render slots for upload decodes (and, through `getRendition`, renders); none when absent. */
  readonly gate?: RenderGate;
  /** The largest original `importOriginals` accepts, in bytes (uploads.maxBytes); 25 MiB when absent. */
  readonly maxUploadBytes?: number;
  /** A rendition budget of this many bytes (SPEC §8); none when absent. */
  readonly maxRenditionBytes?: number;
}

/**
 * Every port on its verified fake (in-memory adapters), the real sharp transformer behind a counter,
 * a manual clock and a recording logger, plus the use cases wired over them.
 */
export function createApplicationHarness(options: HarnessOptions = {}) {
  const index = new InMemoryCacheIndex();
  const tokens = new InMemoryTokenStore();
  const originals = new InMemoryOriginalStore();
  const cache = new GatedRenditionCache(options.publicBaseUrl);
  const transformer = new CountingTransformer(new SharpTransformer({ timeoutMs: 15_000, avifEffort: 0 }));
  const clock = new ManualClock();
  const logger = new TestLogger();
  const background = new BackgroundTasks(logger);
  const allowOverwrite = options.allowOverwrite ?? false;
  const settings: GetRenditionSettings = { ...RENDER_SETTINGS, ...options.render };

  const placeholders = new HashPlaceholderEncoder();
  const issueToken = new IssueToken(tokens, index, clock, new CryptoRandomSource(), { ttlSeconds: options.tokenTtlSeconds ?? 900, allowOverwrite });
  const uploadOriginal = new UploadOriginal(
    { tokens, index, originals, renditions: cache, transformer, placeholders, clock, background, gate: options.gate },
    { allowOverwrite, limits: settings.limits },
  );
  const importOriginals = new ImportOriginals(
    { index, originals, renditions: cache, transformer, placeholders, clock, background, gate: options.gate },
    { limits: settings.limits, maxBytes: options.maxUploadBytes ?? 25 * 1024 * 1024 },
  );
  const budget =
    options.maxRenditionBytes === undefined ? undefined : new RenditionBudget({ index, cache, clock, logger }, { maxBytes: options.maxRenditionBytes });
  const getRendition = new GetRendition({ index, originals, cache, transformer, clock, background, logger, settings, gate: options.gate, budget });
  const getImageInfo = new GetImageInfo({ index, originals, transformer, placeholders, logger, gate: options.gate });
  const setFocalPoint = new SetFocalPoint({ index, renditions: cache, background });

  return {
    index,
    tokens,
    originals,
    cache,
    transformer,
    clock,
    logger,
    background,
    issueToken,
    uploadOriginal,
    importOriginals,
    getRendition,
    getImageInfo,
    setFocalPoint,
    budget,

    /** Stores an original through the back door (store + index row), as an earlier upload would have. */
    async seedOriginal(id: ImageId, bytes: Uint8Array): Promise<OriginalMetadata> {
      const info = await transformer.inspect(bytes);
      const original: OriginalMetadata = { id, version: contentVersionOf(bytes), ...info, bytes: bytes.length, uploadedAt: clock.now() };
      await originals.put(original, bytes, `image/${info.format}`);
      await index.saveOriginal(original, { replace: true });
      return original;
    },

    /** The rendition a request names (its requested format, no negotiation), worked out by the domain as the use case does. */
    async renditionOf(request: ImageRequest): Promise<Rendition> {
      const original = await index.findOriginal(request.id);
      if (original === undefined) throw new Error(`test original ${request.id} is not indexed`);
      return Rendition.of(original, resolveSpec(request, request.format, original, settings.defaults, settings.limits));
    },

    /** A valid request for a URL path and query string, e.g. `request('/cat_40_30.png', 'fit=crop')`. */
    request(path: string, query = ''): ImageRequest {
      const parsed = ImageRequest.parse(path, query, settings.limits);
      if (parsed.kind !== 'valid') throw new Error(`test request ${path}?${query} is ${parsed.kind}`);
      return parsed.request;
    },
  };
}

export type ApplicationHarness = ReturnType<typeof createApplicationHarness>;
