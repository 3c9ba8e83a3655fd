import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Container } from 'inversify';
import type { Logger as Pino } from 'pino';
import type { Config } from './config/config-schema.js';
import { buildContainer } from './di/build-container.js';
import { TOKENS } from './di/tokens.js';
import { answerMalformedRequests } from '../adapters/http/malformed-requests.js';

/** How long, once stopping, a connection that has not sent a request yet may still send one. */
const NEW_CONNECTION_GRACE_MS = 2_000;

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
  answerMalformedRequests(server);
  let stopping: Promise<void> | undefined;
  // Once stopping, every answered request closes its connection, so keep-alive clients cannot hold the
  // server open. Idle keep-alive connections are closed at once; a connection that has not sent its
  // first request yet is not idle but early (Node's closeIdleConnections() would reset it while its
  // request is on the way), so it gets a grace period to send one and be answered.
  const connections = new Map<Socket, { served: number; active: number }>();
  const responses = new Set<ServerResponse>();
  const closeIdle = (includeNew: boolean): void => {
    // end(), not destroy(): a response that has 'finished' may still sit in the socket's write buffer
    // (a large image to a slow reader), and destroying the socket would cut it off.
    for (const [socket, state] of connections) if (state.active === 0 && (state.served > 0 || includeNew)) socket.end();
  };
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { served: 0, active: 0 });
    socket.once('close', () => connections.delete(socket));
  });
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = connections.get(req.socket as Socket);
    if (state !== undefined) {
      state.served += 1;
      state.active += 1;
    }
    if (stopping !== undefined) res.setHeader('Connection', 'close');
    responses.add(res);
    res.once('close', () => {
      responses.delete(res);
      if (state !== undefined) state.active -= 1;
      if (stopping !== undefined) setImmediate(() => closeIdle(false));
    });
  });
  const tokenPurge = startTokenPurge(container, config, logger);
  // Slow clients must not hold sockets forever; a render is bounded by render.timeoutMs anyway.
  server.requestTimeout = Math.max(30_000, config.render.timeoutMs * 2);
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  logger.info({ url, originals: config.originals.driver, renditions: config.renditions.driver, index: config.index.driver }, 'listening');

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const purgeStopped = tokenPurge.stop();
      for (const res of responses) if (!res.headersSent) res.setHeader('Connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeIdle(false);
      setTimeout(() => closeIdle(true), NEW_CONNECTION_GRACE_MS).unref();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.shutdown.timeoutMs).unref());
      await Promise.race([
        (async () => {
          await closed;
          await container.get(TOKENS.BackgroundTasks).drain();
        })(),
        deadline,
      ]);
      server.closeAllConnections();
      await purgeStopped;
      await container.unbindAllAsync();
    })());
  return { server, container, url, stop };
}

/**
 * Expired upload tokens are deleted by a timer, not by the request that happens to notice them. Once per
 * token lifetime (at least every second, at most every ten minutes) keeps expired rows to about one
 * lifetime's worth without a query per request. The timer is unref'd: it never keeps the process alive.
 */
export function tokenPurgeIntervalMs(ttlSeconds: number): number {
  return Math.min(600_000, Math.max(1_000, ttlSeconds * 1000));
}

function startTokenPurge(container: Container, config: Config, logger: Pino): { stop(): Promise<void> } {
  const tokens = container.get(TOKENS.TokenStore);
  const clock = container.get(TOKENS.Clock);
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = tokens
      .purgeExpired(clock.now())
      .then(
        (purged) => {
          if (purged > 0) logger.debug({ purged }, 'purged expired upload tokens');
        },
        (error: unknown) => logger.warn({ err: error }, 'purging expired upload tokens failed; retrying at the next interval'),
      )
      .finally(() => (running = undefined));
  }, tokenPurgeIntervalMs(config.tokens.ttlSeconds));
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
