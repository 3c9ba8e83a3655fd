import { guardExposureWarning } from '../adapters/http/caller-guard.js';
import { loadConfigOrExit, type ConfigAtStartOptions } from './config/config-at-start.js';
import { isProduction } from './config/load-config.js';
import { createLogger } from './logging/create-logger.js';
import { packageInfo } from './package-info.js';
import { startService } from './service.js';
import { threadPoolFit } from './thread-pool.js';

/** Where the configuration comes from, besides the environment and ./.env. */
export type RunServiceOptions = ConfigAtStartOptions;

/** The standalone service: configuration, start-up log, listen, and a graceful stop on SIGTERM/SIGINT. */
export async function runService(options: RunServiceOptions = {}): Promise<void> {
  const { config, files, warnings, dotEnv } = loadConfigOrExit(options);
  const { name, version } = packageInfo();
  const logger = createLogger({ level: config.log.level, serviceName: name, serviceVersion: version });
  logger.info({ configFiles: files }, files.length > 0 ? `configuration from ${files.join(', ')} and the environment` : 'configuration from the environment only (no config file found)');
  if (dotEnv.variables.length > 0) logger.info({ envFile: dotEnv.file, variables: dotEnv.variables }, `${dotEnv.variables.length} environment variables from ${dotEnv.file}`);
  for (const warning of warnings) logger.warn(warning);
  // Not configuration of ours: libuv's own variable, read here only to compare it with the config.
  const pool = threadPoolFit(config.render.concurrency, process.env.UV_THREADPOOL_SIZE);
  if (pool.advice !== undefined) logger.warn({ uvThreadpoolSize: pool.poolSize, renderConcurrency: config.render.concurrency, wanted: pool.wanted }, pool.advice);
  // In development the loopback-only default is what one wants; in production it is worth a word.
  const exposure = isProduction() ? guardExposureWarning({ allowFrom: config.tokens.allowFrom, secret: config.tokens.secret }) : undefined;
  if (exposure !== undefined) logger.warn({ 'tokens.allowFrom': config.tokens.allowFrom }, exposure);
  const service = await startService(config, logger);

  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'shutting down');
    service.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
