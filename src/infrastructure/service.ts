import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Container } from 'inversify';
import type { Logger as Pino } from 'pino';
import type { Config } from './config/config-schema.js';
import { buildContainer } from './di/build-container.js';
import { TOKENS } from './di/tokens.js';

export interface RunningService {
  readonly server: Server;
  readonly container: Container;
  /** `http://host:port` actually bound (port 0 in config picks a free one). */
  readonly url: string;
  /** Graceful stop: no new connections, in-flight requests and background stores finished, pools closed. */
  stop(): Promise<void>;
}

/**
 * Builds the container, runs start-up tasks (migrations), and listens. Used by `main.ts` and by the
 * end-to-end tests, so both run exactly the same wiring.
 */
export async function startService(config: Config, logger: Pino): Promise<RunningService> {
  const container = buildContainer(config, logger);
  if (container.isBound(TOKENS.StartupTasks)) {
    for (const task of container.getAll(TOKENS.StartupTasks)) {
      logger.info({ task: task.name }, 'start-up task');
      await task.run();
    }
  }
  const app = container.get(TOKENS.HttpApp);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.server.port, config.server.host, () => resolve(listening));
    listening.once('error', reject);
  });
  // Slow clients must not hold sockets forever; a render is bounded by render.timeoutMs anyway.
  server.requestTimeout = Math.max(30_000, config.render.timeoutMs * 2);
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  logger.info({ url, originals: config.originals.driver, renditions: config.renditions.driver, index: config.index.driver }, 'listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.shutdown.timeoutMs).unref());
      await Promise.race([
        (async () => {
          await closed;
          await container.get(TOKENS.BackgroundTasks).drain();
        })(),
        deadline,
      ]);
      server.closeAllConnections();
      await container.unbindAllAsync();
    })());
  return { server, container, url, stop };
}
