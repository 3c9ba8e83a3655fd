import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** What Node's parser reports, as the status, reason phrase and error code of the answer. */
function answerFor(code: string | undefined): readonly [number, string, string, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'Request Header Fields Too Large', 'HEADERS_TOO_LARGE', 'the request head is too large'];
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return [408, 'Request Timeout', 'REQUEST_TIMEOUT', 'the request head or body was not received in time (server.headersTimeoutMs, server.requestTimeoutMs)'];
  }
  return [400, 'Bad Request', 'MALFORMED_REQUEST', `the request is not valid HTTP (${code ?? 'parse error'})`];
}

/**
 * Requests that Node's HTTP parser refuses (bytes not allowed in a request target, oversized heads,
 * broken framing) and requests whose head or body arrives too slowly never reach express, or are taken
 * from it. Node would answer them with a bare status and no body; this answers with the same JSON error
 * shape as every other 4xx, then closes the connection — destroyed once the answer is written, so a slow
 * client cannot keep a half-open socket.
 */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's own rule: answer only if nothing of an in-flight response has been written to this socket.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || error.code === 'ECONNRESET' || inFlight?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message] = answerFor(error.code);
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  });
}
