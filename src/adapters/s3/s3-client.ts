import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from './s3-config.js';

/*
 * The SDK's defaults let one call run for minutes against a dead endpoint: three attempts with
 * backoff, and no connection or socket timeout at all, so a black-holed address waits for the
 * kernel's TCP timeout on every attempt. Readiness checks and request handlers need a prompt
 * StoreUnavailableError instead, so attempts and both timeouts are bounded. `requestTimeout` is a
 * socket inactivity timeout, not a cap on the whole transfer, so large objects still stream.
 */
const MAX_ATTEMPTS = 2;
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 30_000;

export function createS3Client(config: S3Config): S3Client {
  const hasKey = config.accessKeyId !== undefined;
  const hasSecret = config.secretAccessKey !== undefined;
  if (hasKey !== hasSecret) {
    throw new Error('S3 configuration: set both accessKeyId and secretAccessKey, or neither');
  }
  return new S3Client({
    ...(config.region === undefined ? {} : { region: config.region }),
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    forcePathStyle: config.forcePathStyle ?? false,
    ...(hasKey && hasSecret
      ? { credentials: { accessKeyId: config.accessKeyId!, secretAccessKey: config.secretAccessKey! } }
      : {}),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    // Since 3.729 the SDK adds CRC32 checksums (and aws-chunked trailers) to every upload; many
    // S3-compatible servers reject or mishandle those, so checksums are sent only where S3 requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
