import type { Container } from 'inversify';
import { loadConfigOrExit } from '../config/config-at-start.js';
import type { Config } from '../config/config-schema.js';
import { TOKENS } from '../di/tokens.js';
import { stringOption, type ParsedArguments } from './command.js';

/** The configuration a command runs with: files, environment and `./.env`, as the service reads them. */
export function configOf(args: ParsedArguments, overrides?: Record<string, unknown>): Config {
  const configDir = stringOption(args, 'config-dir');
  return loadConfigOrExit({ ...(configDir === undefined ? {} : { configDir }), ...(overrides === undefined ? {} : { overrides }) }).config;
}

/**
 * Wires the application from the configuration (the same container as the service, without listening), runs the
 * start-up tasks (migrations), hands the container to `work`, then finishes background stores and closes pools.
 * Log lines go to stderr, warnings and worse only, so that stdout holds the command's own output.
 */
export async function withApplication<T>(config: Config, work: (container: Container) => Promise<T>): Promise<T> {
  // Loaded here, not at the top: `lir --help` and the client commands need none of the drivers' SDKs.
  const [{ pino }, { buildContainer }, { createLogger }, { runStartupTasks }] = await Promise.all([
    import('pino'),
    import('../di/build-container.js'),
    import('../logging/create-logger.js'),
    import('../service.js'),
  ]);
  const logger = createLogger({ level: 'warn', serviceName: 'live-image-resize', serviceVersion: 'cli' }, pino.destination(2));
  const container = buildContainer(config, logger);
  try {
    await runStartupTasks(container);
    return await work(container);
  } finally {
    await container.get(TOKENS.BackgroundTasks).drain();
    await container.unbindAllAsync();
  }
}

/** Where the configured service listens, as a client on this host reaches it (a wildcard address means loopback). */
export function serviceUrlOf(config: Config): string {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}`;
}
