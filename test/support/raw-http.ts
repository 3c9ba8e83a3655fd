import { connect } from 'node:net';

export interface RawExchange {
  /** The first response's status, or undefined when the connection closed without one. */
  readonly status: number | undefined;
  /** Its headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** Its body (as far as it came), decoded as UTF-8. */
  readonly body: string;
  /** The connection's error (`ECONNRESET`, `EPIPE`…) if it ended with one. */
  readonly error: string | undefined;
}

export interface RawOptions {
  /**
   * End the sending side after the body (a TCP half-close). Node's server then abandons a request it has
   * not answered yet, so only a client that sends less than it announced should do this.
   */
  readonly halfClose?: boolean;
  readonly timeoutMs?: number;
  /** Write the body in pieces of this many bytes, one write every millisecond, so that the server reads it in as many chunks. */
  readonly pieceBytes?: number;
}

/**
 * Writes `head` and `body` exactly as given on a fresh connection to `url`'s host (nothing is re-framed,
 * so a test can send what no HTTP client would) and reads until the server closes the connection (send
 * `Connection: close`) or the timeout passes. Only the first response is parsed.
 */
export function exchangeRaw(url: string, head: string, body: Buffer, options: RawOptions = {}): Promise<RawExchange> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let error: string | undefined;
    const socket = connect(Number(port), hostname, () => {
      socket.setNoDelay(true);
      socket.write(head, 'latin1');
      const pieceBytes = options.pieceBytes ?? Math.max(1, body.length);
      const writeFrom = (at: number): void => {
        const piece = body.subarray(at, at + pieceBytes);
        const last = at + pieceBytes >= body.length;
        if (last && options.halfClose === true) socket.end(piece);
        else socket.write(piece);
        if (!last) setTimeout(() => writeFrom(at + pieceBytes), 1);
      };
      writeFrom(0);
    });
    const timer = setTimeout(() => {
      error = `no close within ${timeoutMs} ms`;
      socket.destroy();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', (failure: NodeJS.ErrnoException) => (error ??= failure.code ?? failure.message));
    // The server has answered and closed; the client's side is closed in turn.
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseFirstResponse(Buffer.concat(received)), error });
    });
  });
}

function parseFirstResponse(bytes: Buffer): Pick<RawExchange, 'status' | 'headers' | 'body'> {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(text);
  if (end < 0 || match === null) return { status: undefined, headers: {}, body: text };
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, end).split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
  if (headers['content-length'] !== undefined) rest = rest.subarray(0, Number(headers['content-length']));
  else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) rest = dechunk(rest);
  return { status: Number(match[1]), headers, body: rest.toString('utf8') };
}

function dechunk(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
