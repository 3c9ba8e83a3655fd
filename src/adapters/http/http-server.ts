import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import { deferContinue } from './expect-continue.js';
import { answerMalformedRequests } from './malformed-requests.js';

/** How long, once stopping, a connection that has not sent a request yet may still send one. */
const NEW_CONNECTION_GRACE_MS = 2_000;

/**
 * How often Node looks for connections past `headersTimeoutMs`/`requestTimeoutMs`. Its default (30 s)
 * let a slow client hold a socket for up to 30 s past its time limit; once a second costs one walk over
 * the open connections.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface HttpServerSettings {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * A client must send its whole request head within `headersTimeoutMs` and its whole request (body
   * included) within `requestTimeoutMs`, or it gets a 408 and its connection is closed. Neither counts
   * the time spent answering: a render is bounded by its own limit.
   */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Told of a server error after listening (a failed accept()); the server goes on listening. */
  readonly onError: (error: Error) => void;
}

export interface StopOptions {
  /** After this long, connections still open are cut and `whenClosed` is no longer waited for. */
  readonly timeoutMs: number;
  /** Work to finish once no connection is left (e.g. background stores started by requests). */
  readonly whenClosed?: () => Promise<void>;
}

export interface HttpServer {
  readonly server: Server;
  /** The address and port actually bound (`0.0.0.0` or `::` for every interface), for the start-up log. */
  readonly address: string;
  readonly port: number;
  /** A URL that reaches the server from this host: loopback when it listens on every interface. */
  readonly url: string;
  /** Graceful stop: no new connections; answered requests close theirs; idle keep-alive ones are closed. */
  stop(options: StopOptions): Promise<void>;
}

interface ConnectionState {
  /** Requests this connection has sent. */
  served: number;
  /** Of those, the ones whose response has not closed yet. */
  active: number;
}

const TRACKED = Symbol('live-image-resize.connection');

type TrackedResponse = ServerResponse & { [TRACKED]?: ConnectionState | undefined };

/**
 * Tracks every connection so that a stop closes them as soon as they are idle. Once stopping, every
 * answered request closes its connection, so keep-alive clients cannot hold the server open. Idle
 * keep-alive connections are closed at once; a connection that has not sent its first request yet is
 * not idle but early (Node's closeIdleConnections() would reset it while its request is on the way),
 * so it gets a grace period to send one and be answered.
 */
class ConnectionTracker {
  private readonly connections = new Map<Socket, ConnectionState>();
  private readonly responses = new Set<ServerResponse>();
  private stopping = false;
  /** One listener for every response's close, not a closure per request: it finds its state on the response. */
  private readonly onResponseClose: (this: TrackedResponse) => void;

  constructor(server: Server) {
    const tracker = this;
    this.onResponseClose = function () {
      tracker.closed(this);
    };
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { served: 0, active: 0 });
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  /** Called first for every request, by the server's one request listener. */
  track(req: IncomingMessage, res: TrackedResponse): void {
    const state = this.connections.get(req.socket as Socket);
    if (state !== undefined) {
      state.served += 1;
      state.active += 1;
    }
    if (this.stopping) res.setHeader('Connection', 'close');
    this.responses.add(res);
    res[TRACKED] = state;
    res.on('close', this.onResponseClose);
  }

  private closed(res: TrackedResponse): void {
    this.responses.delete(res);
    const state = res[TRACKED];
    if (state !== undefined) state.active -= 1;
    if (this.stopping) setImmediate(() => this.closeIdle(false));
  }

  /** From now on every answer closes its connection; idle ones close now, early ones after a grace period. */
  stop(): void {
    this.stopping = true;
    for (const res of this.responses) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.closeIdle(false);
    setTimeout(() => this.closeIdle(true), NEW_CONNECTION_GRACE_MS).unref();
  }

  private closeIdle(includeNew: boolean): void {
    // end(), not destroy(): a response that has 'finished' may still sit in the socket's write buffer
    // (a large image to a slow reader), and destroying the socket would cut it off.
    for (const [socket, state] of this.connections) if (state.active === 0 && (state.served > 0 || includeNew)) socket.end();
  }
}

/** Listens with `app` and owns the server's lifecycle: timeouts, malformed requests, draining on stop. */
export async function listenHttp(app: RequestListener, settings: HttpServerSettings): Promise<HttpServer> {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
  );
  const connections = new ConnectionTracker(server);
  // One request listener: a second one (the tracker's own) made every request's emit copy the listener list.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    connections.track(req, res);
    app(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A failed accept() (out of descriptors, for one) is emitted as 'error' on the server; without a
  // listener that would end the process, while the server itself can go on accepting.
  server.on('error', settings.onError);
  answerMalformedRequests(server);
  deferContinue(server);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  let stopped: Promise<void> | undefined;
  const stop = (options: StopOptions): Promise<void> =>
    (stopped ??= (async () => {
      // net.Server's close(): stop accepting, nothing more. http.Server's also runs closeIdleConnections(), which
      // on Node 26 counts a connection that has not sent its request yet as idle and drops it; the tracker
      // closes idle connections itself and gives early ones their grace period.
      const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
      connections.stop();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs).unref());
      await Promise.race([
        (async () => {
          await closed;
          await options.whenClosed?.();
        })(),
        deadline,
      ]);
      server.closeAllConnections();
    })());
  return { server, address: address.address, port: address.port, url, stop };
}
