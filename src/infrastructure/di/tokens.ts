import type { ServiceIdentifier } from 'inversify';
import type { Knex } from 'knex';
import type { Express } from 'express';
import type { Logger as Pino } from 'pino';
import type { PrometheusMetrics } from '../../adapters/prometheus/prometheus-metrics.js';
import type { BackgroundTasks } from '../../application/background-tasks.js';
import type { RenderGate } from '../../application/render-gate.js';
import type { RenditionBudget } from '../../application/rendition-budget.js';
import type { CacheIndex } from '../../application/ports/cache-index.js';
import type { IndexChanges } from '../../application/ports/index-changes.js';
import type { Clock } from '../../application/ports/clock.js';
import type { Logger } from '../../application/ports/logger.js';
import type { OriginalStore } from '../../application/ports/original-store.js';
import type { PlaceholderEncoder } from '../../application/ports/placeholder-encoder.js';
import type { RandomSource } from '../../application/ports/random-source.js';
import type { RenditionCache } from '../../application/ports/rendition-cache.js';
import type { RenditionLock } from '../../application/ports/rendition-lock.js';
import type { TokenStore } from '../../application/ports/token-store.js';
import type { Transformer } from '../../application/ports/transformer.js';
import type { CheckReadiness } from '../../application/use-cases/check-readiness.js';
import type { DeleteImage } from '../../application/use-cases/delete-image.js';
import type { GetImageInfo } from '../../application/use-cases/get-image-info.js';
import type { GetRendition } from '../../application/use-cases/get-rendition.js';
import type { ImportOriginals } from '../../application/use-cases/import-originals.js';
import type { ImportLegacyTokens } from '../../application/use-cases/import-legacy-tokens.js';
import type { IssueToken } from '../../application/use-cases/issue-token.js';
import type { PrerenderLegacyBoxes } from '../../application/use-cases/prerender-legacy-boxes.js';
import type { PurgeExpiredTokens } from '../../application/use-cases/purge-expired-tokens.js';
import type { SetFocalPoint } from '../../application/use-cases/set-focal-point.js';
import type { UploadOriginal } from '../../application/use-cases/upload-original.js';
import type { Config } from '../config/config-schema.js';

/** Work to run once before the service accepts traffic (schema migrations, bucket checks). */
export interface StartupTask {
  readonly name: string;
  run(): Promise<void>;
}

/** Every DI identifier, typed: `TOKENS.X` resolves to the type named beside it. */
export const TOKENS = {
  Config: Symbol('Config') as ServiceIdentifier<Config>,
  RootLogger: Symbol('RootLogger') as ServiceIdentifier<Pino>,
  Logger: Symbol('Logger') as ServiceIdentifier<Logger>,
  Clock: Symbol('Clock') as ServiceIdentifier<Clock>,
  RandomSource: Symbol('RandomSource') as ServiceIdentifier<RandomSource>,
  BackgroundTasks: Symbol('BackgroundTasks') as ServiceIdentifier<BackgroundTasks>,
  OriginalStore: Symbol('OriginalStore') as ServiceIdentifier<OriginalStore>,
  RenditionCache: Symbol('RenditionCache') as ServiceIdentifier<RenditionCache>,
  CacheIndex: Symbol('CacheIndex') as ServiceIdentifier<CacheIndex>,
  /** Bound only with PostgreSQL: what other replicas change in the shared index. */
  IndexChanges: Symbol('IndexChanges') as ServiceIdentifier<IndexChanges>,
  RenditionLock: Symbol('RenditionLock') as ServiceIdentifier<RenditionLock>,
  TokenStore: Symbol('TokenStore') as ServiceIdentifier<TokenStore>,
  Transformer: Symbol('Transformer') as ServiceIdentifier<Transformer>,
  PlaceholderEncoder: Symbol('PlaceholderEncoder') as ServiceIdentifier<PlaceholderEncoder>,
  /** The SQL index's knex instance, imported and created in the background (ADR 0029). */
  Knex: Symbol('Knex') as ServiceIdentifier<{ readonly loaded: Promise<Knex> }>,
  StartupTasks: Symbol('StartupTasks') as ServiceIdentifier<StartupTask>,
  IssueToken: Symbol('IssueToken') as ServiceIdentifier<IssueToken>,
  UploadOriginal: Symbol('UploadOriginal') as ServiceIdentifier<UploadOriginal>,
  ImportOriginals: Symbol('ImportOriginals') as ServiceIdentifier<ImportOriginals>,
  GetRendition: Symbol('GetRendition') as ServiceIdentifier<GetRendition>,
  DeleteImage: Symbol('DeleteImage') as ServiceIdentifier<DeleteImage>,
  ImportLegacyTokens: Symbol('ImportLegacyTokens') as ServiceIdentifier<ImportLegacyTokens>,
  PrerenderLegacyBoxes: Symbol('PrerenderLegacyBoxes') as ServiceIdentifier<PrerenderLegacyBoxes>,
  GetImageInfo: Symbol('GetImageInfo') as ServiceIdentifier<GetImageInfo>,
  SetFocalPoint: Symbol('SetFocalPoint') as ServiceIdentifier<SetFocalPoint>,
  CheckReadiness: Symbol('CheckReadiness') as ServiceIdentifier<CheckReadiness>,
  PurgeExpiredTokens: Symbol('PurgeExpiredTokens') as ServiceIdentifier<PurgeExpiredTokens>,
  HttpApp: Symbol('HttpApp') as ServiceIdentifier<Express>,
  RenderGate: Symbol('RenderGate') as ServiceIdentifier<RenderGate>,
  /** Bound only when `renditions.maxBytes` is set. */
  RenditionBudget: Symbol('RenditionBudget') as ServiceIdentifier<RenditionBudget>,
  Metrics: Symbol('Metrics') as ServiceIdentifier<PrometheusMetrics>,
} as const;
