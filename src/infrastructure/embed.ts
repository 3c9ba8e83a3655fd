import { Container, ContainerModule } from 'inversify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger as Pino } from 'pino';
import { InMemoryRenditionLock } from '../adapters/in-memory/in-memory-rendition-lock.js';
import type { CacheIndex } from '../application/ports/cache-index.js';
import type { Clock } from '../application/ports/clock.js';
import type { Logger } from '../application/ports/logger.js';
import type { OriginalStore } from '../application/ports/original-store.js';
import type { RandomSource } from '../application/ports/random-source.js';
import type { RenditionCache } from '../application/ports/rendition-cache.js';
import type { RenditionLock } from '../application/ports/rendition-lock.js';
import type { TokenStore } from '../application/ports/token-store.js';
import type { Transformer } from '../application/ports/transformer.js';
import type { CheckReadiness } from '../application/use-cases/check-readiness.js';
import type { DeleteImage } from '../application/use-cases/delete-image.js';
import type { GetRendition } from '../application/use-cases/get-rendition.js';
import type { ImportOriginals } from '../application/use-cases/import-originals.js';
import type { IssueToken } from '../application/use-cases/issue-token.js';
import type { PurgeExpiredTokens, PurgeSchedule } from '../application/use-cases/purge-expired-tokens.js';
import type { UploadOriginal } from '../application/use-cases/upload-original.js';
import type { Config, ConfigInput } from './config/config-schema.js';
import { validateConfig } from './config/validate-config.js';
import { buildContainer, libvipsThreadsPerRender } from './di/build-container.js';
import { coreModule } from './di/modules/core.module.js';
import { sharpTransformerModule } from './di/modules/sharp-transformer.module.js';
import { TOKENS } from './di/tokens.js';
import { createLogger } from './logging/create-logger.js';
import { runStartupTasks } from './service.js';

// The package's main entry point from its sources (`lir-source`); installed, it is package-entry.ts,
// the same API loaded on demand. Everything exported here is public API.
export * from './embed-exports.js';
export { loadConfig, type LoadConfigOptions } from './config/load-config.js';

/** The use cases: the application layer, with no HTTP in it. */
export interface Application {
  readonly issueToken: IssueToken;
  readonly uploadOriginal: UploadOriginal;
  readonly getRendition: GetRendition;
  readonly deleteImage: DeleteImage;
  /** Bulk import of originals from any source of (id, bytes) entries, probed like uploads; see docs/cli.md. */
  readonly importOriginals: ImportOriginals;
  readonly checkReadiness: CheckReadiness;
  /**
   * Deletes expired upload tokens: `execute()` once, or `schedule()` to run it once per token lifetime
   * until the returned schedule is stopped. `createImageService` schedules it in `start()`.
   */
  readonly purgeExpiredTokens: PurgeExpiredTokens;
  /**
   * Resolves once the background work started so far has finished: a rendition answered by
   * `getRendition` is stored in the cache and recorded in the index only after it has been returned.
   */
  drain(): Promise<void>;
}

/** Your own implementations of the ports; the ones left out are built in. */
export interface ApplicationAdapters {
  readonly originals: OriginalStore;
  readonly renditions: RenditionCache;
  readonly index: CacheIndex;
  readonly tokens: TokenStore;
  /** Default: the built-in sharp transformer, configured from `render.*` and `limits.*`. */
  readonly transformer?: Transformer;
  /** Default: single flight within this process only. Share one across processes that share the index. */
  readonly lock?: RenditionLock;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Default: `node:crypto` random bytes. */
  readonly random?: RandomSource;
  /** Where background failures are reported. Default: ECS JSON lines on stdout at `log.level`. */
  readonly logger?: Logger;
}

/**
 * The service's express app, typed as the request handler it is so that the package's types need no
 * express types (express ships none; `@types/express` is not a dependency): `http.createServer(app)`,
 * `yourExpressApp.use('/images', app)` and other connect-style routers accept it.
 */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;

/** The application layer plus the HTTP adapter and the built-in drivers, as the standalone service runs them. */
export interface ImageService extends Application {
  readonly config: Config;
  /**
   * Every route of the service (SPEC §2–§6) as an express app. Mount it under a prefix of your own
   * app (`yourApp.use('/images', service.app)`) or listen with it directly.
   */
  readonly app: RequestHandler;
  /** Runs the start-up tasks (schema migrations) and starts the expired-token purge; call it once before serving. Idempotent. */
  start(): Promise<void>;
  /** Stops the token purge, finishes background stores, then closes database pools and clients. Close your HTTP server first. */
  close(): Promise<void>;
}

/**
 * Validates a configuration object with the service's own schema (the keys of docs/configuration.md,
 * defaults filled in) and returns it frozen. Unlike `loadConfig`, reads no files and no environment.
 * Throws `ConfigError` listing every problem by key (unknown keys with the nearest known one).
 */
export function parseConfig(input: ConfigInput = {}): Config {
  return validateConfig(input);
}

function defaultLogger(config: Config): Pino {
  return createLogger({ level: config.log.level, serviceName: 'live-image-resize', serviceVersion: 'embedded' });
}

function useCasesOf(container: Container): Application {
  const background = container.get(TOKENS.BackgroundTasks);
  return {
    issueToken: container.get(TOKENS.IssueToken),
    uploadOriginal: container.get(TOKENS.UploadOriginal),
    getRendition: container.get(TOKENS.GetRendition),
    deleteImage: container.get(TOKENS.DeleteImage),
    importOriginals: container.get(TOKENS.ImportOriginals),
    checkReadiness: container.get(TOKENS.CheckReadiness),
    purgeExpiredTokens: container.get(TOKENS.PurgeExpiredTokens),
    drain: () => background.drain(),
  };
}

/**
 * Builds the application layer (the use cases) on your own adapters — no HTTP, no express, no
 * database of ours. `config` takes the same keys as the service (only `limits`, `render`,
 * `formats`, `tokens`, `uploads` and `log` matter here); it is validated the same way.
 */
export function createApplication(adapters: ApplicationAdapters, config: ConfigInput = {}): Application {
  const settings = parseConfig(config);
  const container = new Container({ defaultScope: 'Singleton' });
  container.load(
    coreModule(settings, defaultLogger(settings)),
    new ContainerModule(({ bind }) => {
      bind(TOKENS.OriginalStore).toConstantValue(adapters.originals);
      bind(TOKENS.RenditionCache).toConstantValue(adapters.renditions);
      bind(TOKENS.CacheIndex).toConstantValue(adapters.index);
      bind(TOKENS.TokenStore).toConstantValue(adapters.tokens);
      bind(TOKENS.RenditionLock).toConstantValue(adapters.lock ?? new InMemoryRenditionLock());
    }),
  );
  if (adapters.transformer === undefined) {
    container.load(
      sharpTransformerModule({
        timeoutMs: settings.render.timeoutMs,
        avifEffort: settings.render.avifEffort,
        webpEffort: settings.render.webpEffort,
        concurrency: libvipsThreadsPerRender(settings.render.concurrency),
      sharedDecodeBytes: settings.memory.sharedDecodeBytes,
      }),
    );
  } else {
    container.bind(TOKENS.Transformer).toConstantValue(adapters.transformer);
  }
  if (adapters.clock !== undefined) container.rebind(TOKENS.Clock).toConstantValue(adapters.clock);
  if (adapters.random !== undefined) container.rebind(TOKENS.RandomSource).toConstantValue(adapters.random);
  if (adapters.logger !== undefined) container.rebind(TOKENS.Logger).toConstantValue(adapters.logger);
  return useCasesOf(container);
}

/**
 * Builds the whole service from a configuration object (validated like `config/default.json`;
 * drivers chosen by `originals.driver`, `renditions.driver`, `index.driver`) without listening:
 * the use cases, an express app to mount, and its lifecycle.
 */
export function createImageService(config: ConfigInput = {}, options: { readonly logger?: Pino } = {}): ImageService {
  const settings = parseConfig(config);
  const container = buildContainer(settings, options.logger ?? defaultLogger(settings));
  let started: Promise<void> | undefined;
  let closed: Promise<void> | undefined;
  let tokenPurge: PurgeSchedule | undefined;
  const application = useCasesOf(container);
  const budget = container.get(TOKENS.RenditionBudget, { optional: true });
  return {
    ...application,
    config: settings,
    app: container.get(TOKENS.HttpApp),
    start: () =>
      (started ??= (async () => {
        await runStartupTasks(container);
        if (closed === undefined) tokenPurge = application.purgeExpiredTokens.schedule();
        if (closed === undefined) budget?.start();
      })()),
    close: () =>
      (closed ??= (async () => {
        await tokenPurge?.stop();
        await application.drain();
        await budget?.stop();
        await container.unbindAllAsync();
      })()),
  };
}
