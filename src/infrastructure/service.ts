import type { Server } from 'node:http';
import type { Container } from 'inversify';
import type { Logger as Pino } from 'pino';
import { httpListener } from '../adapters/http/http-app.js';
import { listenHttp } from '../adapters/http/http-server.js';
import type { Config } from './config/config-schema.js';
import { buildContainer } from './di/build-container.js';
import { TOKENS } from './di/tokens.js';

/** Idle keep-alive connections are closed after this (Node's default, kept on purpose), so idle clients do not hold sockets. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

export interface RunningService {
  readonly server: Server;
  readonly container: Container;
  /** `http://host:port` actually bound (port 0 in config picks a free one). */
  readonly url: string;
  /** Graceful stop: no new connections, in-flight requests and background stores finished, pools closed. */
  stop(): Promise<void>;
}

/** Runs the start-up tasks (migrations) once, in order, before any traffic. */
export async function runStartupTasks(container: Container, logger?: Pino): Promise<void> {
  if (!container.isBound(TOKENS.StartupTasks)) return;
  for (const task of container.getAll(TOKENS.StartupTasks)) {
    logger?.info({ task: task.name }, 'start-up task');
    await task.run();
  }
}

/** `0.0.0.0:1337 (every IPv4 interface)`: what an operator needs to judge the exposure at a glance. */
function describeBinding(address: string, port: number): string {
  const host = address.includes(':') ? `[${address}]` : address;
  const scope = address === '0.0.0.0' ? ' (every IPv4 interface)' : address === '::' ? ' (every interface)' : '';
  return `${host}:${port}${scope}`;
}

/**
 * Builds the container, runs start-up tasks (migrations), and listens. Used by `main.ts` and by the
 * end-to-end tests, so both run exactly the same wiring.
 */
export async function startService(config: Config, logger: Pino): Promise<RunningService> {
  const container = buildContainer(config, logger);
  await runStartupTasks(container, logger);
  const http = await listenHttp(httpListener(container.get(TOKENS.HttpApp)), {
    host: config.server.host,
    port: config.server.port,
    requestTimeoutMs: config.server.requestTimeoutMs,
    headersTimeoutMs: config.server.headersTimeoutMs,
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
    onError: (error) => logger.error({ err: error }, 'the HTTP server failed to accept a connection; still listening'),
  });
  const tokenPurge = container.get(TOKENS.PurgeExpiredTokens).schedule();
  const budget = container.get(TOKENS.RenditionBudget, { optional: true });
  budget?.start();
  // The bound address, not the loopback URL: an operator must see when every interface is listened on.
  logger.info(
    { 'server.address': http.address, 'server.port': http.port, url: http.url, originals: config.originals.driver, renditions: config.renditions.driver, index: config.index.driver },
    `listening on ${describeBinding(http.address, http.port)}`,
  );

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const purgeStopped = tokenPurge.stop();
      await http.stop({ timeoutMs: config.shutdown.timeoutMs, whenClosed: () => container.get(TOKENS.BackgroundTasks).drain() });
      await purgeStopped;
      // After the stores have drained (their evictions with them), before the index's pool closes.
      await budget?.stop();
      await container.unbindAllAsync();
    })());
  return { server: http.server, container, url: http.url, stop };
}
