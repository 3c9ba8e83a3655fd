import { Storage } from '@google-cloud/storage';
import type { GcsConfig } from './gcs-config.js';

/*
 * The SDK's defaults retry an operation for up to 600 s with backoff up to 64 s between attempts,
 * and put no limit on one request. Readiness checks and request handlers need a prompt
 * StoreUnavailableError instead, so retries and the per-request time are bounded. (A refused
 * connection is not retried by the SDK at all; a reset or 5xx is, at most twice here.)
 */
const MAX_RETRIES = 2;
const RETRY_TOTAL_TIMEOUT_SECONDS = 30;
const MAX_RETRY_DELAY_SECONDS = 1;
const REQUEST_TIMEOUT_MS = 60_000;

export function createGcsClient(config: GcsConfig): Storage {
  return new Storage({
    ...(config.projectId === undefined ? {} : { projectId: config.projectId }),
    ...(config.apiEndpoint === undefined ? {} : { apiEndpoint: config.apiEndpoint }),
    ...(config.keyFilename === undefined ? {} : { keyFilename: config.keyFilename }),
    ...(config.credentials === undefined
      ? {}
      : { credentials: { client_email: config.credentials.client_email, private_key: config.credentials.private_key } }),
    timeout: REQUEST_TIMEOUT_MS,
    retryOptions: {
      autoRetry: true,
      maxRetries: MAX_RETRIES,
      totalTimeout: RETRY_TOTAL_TIMEOUT_SECONDS,
      maxRetryDelay: MAX_RETRY_DELAY_SECONDS,
    },
  });
}
