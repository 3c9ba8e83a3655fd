import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { guardExposureWarning } from '../adapters/http/caller-guard.js';
import { applyDotEnv, ConfigError, isProduction, loadConfigWithSources, type LoadedConfig } from './config/load-config.js';
import { createLogger } from './logging/create-logger.js';
import { startService } from './service.js';

/** The nearest package.json above this file: `src/infrastructure` under tsx, `dist/src/infrastructure` when built. */
function packageInfo(): { name: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; version: string };
}

const { name, version } = packageInfo();

/** libuv's own default pool size: what file I/O, DNS and crypto get besides the render slots. */
const IO_THREADS = 4;

/**
 * Each sharp pipeline holds a libuv pool thread for its whole run, so the pool needs one thread per
 * render slot plus the default four for file I/O (a cache hit streams from disk through the pool), DNS
 * and crypto (ADR 0009). libuv reads UV_THREADPOOL_SIZE once, when the pool starts — under ESM that is
 * before this module runs (the module loader reads files through the pool), so it cannot be set here;
 * the npm scripts set it, and this only tells the operator when it does not fit render.concurrency.
 */
function warnIfThreadPoolTooSmall(renderConcurrency: number, logger: ReturnType<typeof createLogger>): void {
  // Not configuration of ours: libuv's own variable, read here only to compare it with the config.
  const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? IO_THREADS) || IO_THREADS;
  const wanted = renderConcurrency + IO_THREADS;
  if (poolSize < wanted) {
    logger.warn(
      { uvThreadpoolSize: poolSize, renderConcurrency, wanted },
      `UV_THREADPOOL_SIZE=${poolSize} is smaller than render.concurrency + ${IO_THREADS}; renders will hold up file I/O. Start with UV_THREADPOOL_SIZE=${wanted}.`,
    );
  }
}

async function main(): Promise<void> {
  // Before anything reads process.env; the file sits in the working directory, beside ./config.
  const dotEnvFile = path.resolve('.env');
  const fromDotEnv = applyDotEnv(dotEnvFile, process.env);
  let loaded: LoadedConfig;
  try {
    loaded = loadConfigWithSources({ dotEnv: { file: dotEnvFile, variables: fromDotEnv } });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const { config, files, warnings } = loaded;
  const logger = createLogger({ level: config.log.level, serviceName: name, serviceVersion: version });
  logger.info({ configFiles: files }, files.length > 0 ? `configuration from ${files.join(', ')} and the environment` : 'configuration from the environment only (no config file found)');
  if (fromDotEnv.length > 0) logger.info({ envFile: dotEnvFile, variables: fromDotEnv }, `${fromDotEnv.length} environment variables from ${dotEnvFile}`);
  for (const warning of warnings) logger.warn(warning);
  warnIfThreadPoolTooSmall(config.render.concurrency, logger);
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

main().catch((error: unknown) => {
  process.stderr.write(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
