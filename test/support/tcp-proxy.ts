import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 in front of a real server (PostgreSQL, a storage server) that a test can take
 * down and bring back on the same port, to show how a client copes with its server vanishing and
 * returning — without stopping the real server other tests share.
 */
export interface TcpProxy {
  /** The relay's port on 127.0.0.1; stays the same across `stop()`/`start()`. */
  readonly port: number;
  /** Whether the relay accepts connections now. */
  readonly running: boolean;
  /** Refuses new connections and cuts the open ones, as a crashed server would. */
  stop(): Promise<void>;
  /** Accepts connections again on the same port. */
  start(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const next = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        // Either side failing ends the pair, like a connection through a dying server.
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
    port = address.port;
    server = next;
  };
  await listen();

  return {
    get port() {
      return port;
    },
    get running() {
      return server !== undefined;
    },
    async stop() {
      const current = server;
      if (current === undefined) return;
      server = undefined;
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async start() {
      if (server === undefined) await listen();
    },
  };
}
