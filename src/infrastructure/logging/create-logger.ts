import { ecsFormat } from '@elastic/ecs-pino-format';
import { pino, type DestinationStream, type Logger } from 'pino';

export interface LoggerSettings {
  readonly level: string;
  readonly serviceName: string;
  readonly serviceVersion: string;
}

/**
 * Where secrets can appear in a log line. Paths are listed both before and after ECS conversion
 * (`req.headers` becomes `http.request.headers`), so redaction holds whichever runs first.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-token"]',
  'req.headers.cookie',
  'http.request.headers.authorization',
  'http.request.headers["x-token"]',
  'http.request.headers.cookie',
  'token',
  'secret',
];

/** The one root logger: JSON lines in Elastic Common Schema. */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  return pino(
    {
      ...ecsFormat({
        serviceName: settings.serviceName,
        serviceVersion: settings.serviceVersion,
        convertReqRes: true,
        apmIntegration: false,
      }),
      level: settings.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
