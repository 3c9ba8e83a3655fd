import { ContainerModule } from 'inversify';
import { createHttpApp } from '../../../adapters/http/http-app.js';
import type { Config } from '../../config/config-schema.js';
import { TOKENS } from '../tokens.js';

export function httpModule(config: Config): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.HttpApp).toResolvedValue(
      (issueToken, uploadOriginal, getRendition, deleteImage, getImageInfo, setFocalPoint, checkReadiness, rootLogger, metrics) =>
        createHttpApp({
          issueToken,
          uploadOriginal,
          getRendition,
          deleteImage,
          getImageInfo,
          setFocalPoint,
          checkReadiness,
          logger: rootLogger.child({ component: 'http' }),
          settings: {
            limits: config.limits,
            trustedProxies: config.server.trustedProxies,
            allowIndexing: config.allowIndexing,
            uploads: config.uploads,
            tokens: { allowFrom: config.tokens.allowFrom, secret: config.tokens.secret },
            delivery: config.delivery,
            cors: config.cors,
            signing: config.signing,
            compat: config.compat,
            memory: { renditionRows: config.memory.renditionRows },
          },
          metrics,
          onImageResponse: (outcome) => metrics.observeImageResponse(outcome),
          onSignatureFailure: (reason) => metrics.countSignatureFailure(reason),
          onInfoResponse: (status) => metrics.observeInfoResponse(status),
          onResponse: (route, method, status, seconds) => metrics.observeRequest(route, method, status, seconds),
          onLegacyRequest: (alias) => metrics.countLegacyRequest(alias),
          onKnownReadFailure: () => metrics.countKnownReadFailure(),
        }),
      [
        TOKENS.IssueToken,
        TOKENS.UploadOriginal,
        TOKENS.GetRendition,
        TOKENS.DeleteImage,
        TOKENS.GetImageInfo,
        TOKENS.SetFocalPoint,
        TOKENS.CheckReadiness,
        TOKENS.RootLogger,
        TOKENS.Metrics,
      ],
    );
  });
}
