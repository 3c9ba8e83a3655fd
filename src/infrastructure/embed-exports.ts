// What the package's main entry exports besides the functions that build a service: types, errors,
// pure functions and the in-memory adapters. None of it loads inversify, zod, pino or the HTTP adapter,
// so the installed entry (package-entry.ts) exports it as it is and loads the rest on first use.
export { ConfigError } from './config/config-error.js';
export type { Config, ConfigInput } from './config/config-schema.js';
export type { CacheIndex, RenditionRecord } from '../application/ports/cache-index.js';
export type { Clock } from '../application/ports/clock.js';
export type { Logger } from '../application/ports/logger.js';
export type { LocalFile, OriginalStore } from '../application/ports/original-store.js';
export type { RandomSource } from '../application/ports/random-source.js';
export type { RenditionCache, RenditionLocation, StoredObject } from '../application/ports/rendition-cache.js';
export type { HeldRenditionLock, RenditionLock } from '../application/ports/rendition-lock.js';
export type { TokenStore } from '../application/ports/token-store.js';
export type { RenderedImage, RenderInput, Transformer } from '../application/ports/transformer.js';
export type { CheckReadiness, ComponentStatus, ReadinessReport } from '../application/use-cases/check-readiness.js';
export type { DeleteImage, DeleteImageInput } from '../application/use-cases/delete-image.js';
export type { GetRendition, GetRenditionInput, GetRenditionOutput } from '../application/use-cases/get-rendition.js';
export type { IssueToken, IssueTokenInput, IssueTokenOutput } from '../application/use-cases/issue-token.js';
export {
  ImportTally,
  type ImportOriginals,
  type ImportOriginalsInput,
  type ImportOutcome,
  type ImportRefusal,
  type ImportSummary,
} from '../application/use-cases/import-originals.js';
export type { OriginalSource, SourceEntry } from '../application/ports/original-source.js';
export type { PurgeExpiredTokens, PurgeSchedule } from '../application/use-cases/purge-expired-tokens.js';
export type { UploadOriginal, UploadOriginalInput, UploadOriginalOutput } from '../application/use-cases/upload-original.js';
export {
  ApplicationError,
  IndexUnavailableError,
  OriginalExistsError,
  OriginalNotFoundError,
  OverloadedError,
  RenderTimeoutError,
  SourceUnreadableError,
  StoreUnavailableError,
  TokenRejectedError,
} from '../application/application-error.js';
export { DomainError, ImageTooLargeError, InvalidImageIdError, InvalidRequestError, UnsupportedImageError } from '../domain/domain-error.js';
export { isImageId, parseImageId, type ImageId } from '../domain/image-id.js';
export { ImageRequest, type ImageRequestFields, type ImageRequestParse } from '../domain/image-request.js';
export { imageRequestOf, imageUrl, sizes, srcSet, type ImageUrlOptions, type SrcSetOptions, type UrlContext } from '../domain/image-url.js';
export type { ImageInfo, OriginalKey, OriginalMetadata } from '../domain/original.js';
export type { Rendition, RenditionSpec } from '../domain/rendition.js';
export { DEFAULT_LIMITS, type Limits } from '../domain/limits.js';
export type { UrlSigner } from '../domain/url-signature.js';
export { createUrlSigner } from '../adapters/http/url-signing-keys.js';
/** In-memory adapters (verified fakes: they pass the same contract suites as the real drivers), for tests and throwaway data. */
export { InMemoryCacheIndex } from '../adapters/in-memory/in-memory-cache-index.js';
export { InMemoryOriginalStore } from '../adapters/in-memory/in-memory-original-store.js';
export { InMemoryRenditionCache } from '../adapters/in-memory/in-memory-rendition-cache.js';
export { InMemoryTokenStore } from '../adapters/in-memory/in-memory-token-store.js';
export type { OutputFormat } from '../domain/image-format.js';
