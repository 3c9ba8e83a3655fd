import { ContainerModule, type ResolutionContext } from 'inversify';
import type { Logger as Pino } from 'pino';
import { BackgroundTasks } from '../../../application/background-tasks.js';
import { CachingCacheIndex } from '../../../application/caching-cache-index.js';
import type { KnownBytes, KnownRows } from '../../../application/known.js';
import { MemoryRenditionCache } from '../../../application/memory-rendition-cache.js';
import type { CacheIndex } from '../../../application/ports/cache-index.js';
import type { RenditionCache } from '../../../application/ports/rendition-cache.js';
import type { OriginalIntakeDependencies } from '../../../application/original-intake.js';
import { RenderGate } from '../../../application/render-gate.js';
import { RenditionBudget } from '../../../application/rendition-budget.js';
import { CheckReadiness } from '../../../application/use-cases/check-readiness.js';
import { DeleteImage } from '../../../application/use-cases/delete-image.js';
import { GetImageInfo } from '../../../application/use-cases/get-image-info.js';
import { GetRendition, type GetRenditionSettings } from '../../../application/use-cases/get-rendition.js';
import { ImportOriginals } from '../../../application/use-cases/import-originals.js';
import { ImportLegacyTokens } from '../../../application/use-cases/import-legacy-tokens.js';
import { IssueToken } from '../../../application/use-cases/issue-token.js';
import { PrerenderLegacyBoxes } from '../../../application/use-cases/prerender-legacy-boxes.js';
import { PurgeExpiredTokens } from '../../../application/use-cases/purge-expired-tokens.js';
import { SetFocalPoint } from '../../../application/use-cases/set-focal-point.js';
import { UploadOriginal } from '../../../application/use-cases/upload-original.js';
import { PinoLogger } from '../../../adapters/pino/pino-logger.js';
import { HashPlaceholderEncoder } from '../../../adapters/placeholder/hash-placeholder-encoder.js';
import { CryptoRandomSource } from '../../../adapters/system/crypto-random-source.js';
import { SystemClock } from '../../../adapters/system/system-clock.js';
import type { Config } from '../../config/config-schema.js';
import { TOKENS } from '../tokens.js';

/** How long `/readyz` waits for each component before calling it unavailable. */
const READINESS_TIMEOUT_MS = 2000;

function renditionSettings(config: Config): GetRenditionSettings {
  const { render, formats } = config;
  return {
    limits: config.limits,
    defaults: { quality: { ...render.quality, png: 100, gif: 100, tiff: 100 }, blurSigma: render.blurSigma, allowUpscale: render.allowUpscale },
    negotiate: formats.negotiate,
    avifMaxPixels: formats.avifMaxPixels,
    lockWaitMs: render.lockWaitMs,
    budget: { timeoutMs: render.timeoutMs, avifEffort: render.avifEffort, webpEffort: render.webpEffort },
  };
}

/** The rows in memory, when the index is wrapped in them (`memory.renditionRows`, ADR 0024): what known reads answer from. */
function knownRows(index: CacheIndex): KnownRows | undefined {
  return index instanceof CachingCacheIndex ? index : undefined;
}

/** The renditions' bytes in memory, when the cache is wrapped in them (`memory.renditionBytes`, ADR 0025). */
function knownBytes(cache: RenditionCache): KnownBytes | undefined {
  return cache instanceof MemoryRenditionCache ? cache : undefined;
}

/** The budget is optional: bound only when `renditions.maxBytes` is set. */
function getRendition(context: ResolutionContext, config: Config): GetRendition {
  const index = context.get(TOKENS.CacheIndex);
  const cache = context.get(TOKENS.RenditionCache);
  const rows = knownRows(index);
  return new GetRendition({
    index,
    originals: context.get(TOKENS.OriginalStore),
    cache,
    transformer: context.get(TOKENS.Transformer),
    clock: context.get(TOKENS.Clock),
    background: context.get(TOKENS.BackgroundTasks),
    logger: context.get(TOKENS.Logger),
    gate: context.get(TOKENS.RenderGate),
    lock: context.get(TOKENS.RenditionLock),
    budget: context.get(TOKENS.RenditionBudget, { optional: true }),
    settings: renditionSettings(config),
    known: rows && { rows, bytes: knownBytes(cache), locations: config.memory.renditionRows },
  });
}

/** What an original's intake needs, an upload's or an import's: the same probe, placeholder and stores. */
function intakeDependencies(context: ResolutionContext): OriginalIntakeDependencies {
  return {
    index: context.get(TOKENS.CacheIndex),
    originals: context.get(TOKENS.OriginalStore),
    renditions: context.get(TOKENS.RenditionCache),
    transformer: context.get(TOKENS.Transformer),
    placeholders: context.get(TOKENS.PlaceholderEncoder),
    clock: context.get(TOKENS.Clock),
    background: context.get(TOKENS.BackgroundTasks),
    gate: context.get(TOKENS.RenderGate),
  };
}

function uploadOriginal(context: ResolutionContext, config: Config): UploadOriginal {
  return new UploadOriginal(
    { ...intakeDependencies(context), tokens: context.get(TOKENS.TokenStore) },
    { allowOverwrite: config.uploads.allowOverwrite, limits: config.limits },
  );
}

/** Config, logging, clock, randomness and the use cases: everything that does not depend on a driver choice. */
export function coreModule(config: Config, rootLogger: Pino): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Config).toConstantValue(config);
    bind(TOKENS.RootLogger).toConstantValue(rootLogger);
    bind(TOKENS.Logger).toConstantValue(new PinoLogger(rootLogger.child({ component: 'application' })));
    bind(TOKENS.Clock).toConstantValue(new SystemClock());
    bind(TOKENS.RandomSource).toConstantValue(new CryptoRandomSource());
    bind(TOKENS.PlaceholderEncoder).toConstantValue(new HashPlaceholderEncoder());
    bind(TOKENS.BackgroundTasks).toResolvedValue((logger) => new BackgroundTasks(logger), [TOKENS.Logger]);
    bind(TOKENS.RenderGate).toConstantValue(
      new RenderGate({ concurrency: config.render.concurrency, queueLimit: config.render.queueLimit, timeoutMs: config.render.timeoutMs }),
    );

    bind(TOKENS.IssueToken).toResolvedValue(
      (tokens, index, clock, random) =>
        new IssueToken(tokens, index, clock, random, { ttlSeconds: config.tokens.ttlSeconds, allowOverwrite: config.uploads.allowOverwrite }),
      [TOKENS.TokenStore, TOKENS.CacheIndex, TOKENS.Clock, TOKENS.RandomSource],
    );
    bind(TOKENS.PurgeExpiredTokens).toResolvedValue(
      (tokens, clock, logger) => new PurgeExpiredTokens({ tokens, clock, logger }, { ttlSeconds: config.tokens.ttlSeconds }),
      [TOKENS.TokenStore, TOKENS.Clock, TOKENS.Logger],
    );
    bind(TOKENS.UploadOriginal).toDynamicValue((context) => uploadOriginal(context, config));
    bind(TOKENS.GetImageInfo).toResolvedValue(
      (index, originals, transformer, placeholders, logger, gate) =>
        new GetImageInfo({ index, originals, transformer, placeholders, logger, gate, known: knownRows(index) }),
      [TOKENS.CacheIndex, TOKENS.OriginalStore, TOKENS.Transformer, TOKENS.PlaceholderEncoder, TOKENS.Logger, TOKENS.RenderGate],
    );
    bind(TOKENS.SetFocalPoint).toResolvedValue(
      (index, renditions, background) => new SetFocalPoint({ index, renditions, background }),
      [TOKENS.CacheIndex, TOKENS.RenditionCache, TOKENS.BackgroundTasks],
    );
    bind(TOKENS.ImportOriginals).toDynamicValue(
      (context) => new ImportOriginals(intakeDependencies(context), { limits: config.limits, maxBytes: config.uploads.maxBytes }),
    );
    const maxBytes = config.renditions.maxBytes;
    if (maxBytes !== undefined) {
      bind(TOKENS.RenditionBudget).toResolvedValue(
        (index, cache, clock, logger) => new RenditionBudget({ index, cache, clock, logger }, { maxBytes }),
        [TOKENS.CacheIndex, TOKENS.RenditionCache, TOKENS.Clock, TOKENS.Logger],
      );
    }
    bind(TOKENS.GetRendition).toDynamicValue((context) => getRendition(context, config));
    bind(TOKENS.ImportLegacyTokens).toResolvedValue((tokens, clock) => new ImportLegacyTokens({ tokens, clock }), [TOKENS.TokenStore, TOKENS.Clock]);
    bind(TOKENS.PrerenderLegacyBoxes).toResolvedValue((getRendition) => new PrerenderLegacyBoxes({ getRendition, limits: config.limits }), [TOKENS.GetRendition]);
    bind(TOKENS.DeleteImage).toResolvedValue(
      (index, originals, renditions) => new DeleteImage(index, originals, renditions),
      [TOKENS.CacheIndex, TOKENS.OriginalStore, TOKENS.RenditionCache],
    );
    bind(TOKENS.CheckReadiness).toResolvedValue(
      (index, originals, renditions) => new CheckReadiness(index, originals, renditions, READINESS_TIMEOUT_MS),
      [TOKENS.CacheIndex, TOKENS.OriginalStore, TOKENS.RenditionCache],
    );
  });
}
