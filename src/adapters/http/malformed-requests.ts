import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests that Node's HTTP parser refuses (bytes not allowed in a request target, oversized heads,
 * broken framing) never reach express. Node would answer them with a bare `400` and no body; this
 * answers with the same JSON error shape as every other 4xx, then closes the connection.
 */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [status, reason, code] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE'] : [400, 'Bad Request', 'MALFORMED_REQUEST'];
    const body = JSON.stringify({ error: { code, message: `the request is not valid HTTP (${error.code ?? 'parse error'})` } });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
