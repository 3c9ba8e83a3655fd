import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** Responses whose request asked `Expect: 100-continue` and has not been told to go on yet. */
const awaitingContinue = new WeakSet<ServerResponse>();

/**
 * Node answers `Expect: 100-continue` with `100 Continue` at once unless the server listens for
 * 'checkContinue'. Listening hands every such request to the routes like any other, and each route that
 * reads a body decides when to ask for it (`continueBody`): an upload only after its token and declared
 * size are checked, so a refusal reaches the client before it sends a byte of the body (SPEC §5.2).
 */
export function deferContinue(server: Server): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingContinue.add(res);
    server.emit('request', req, res);
  });
}

/**
 * Asks a client that is waiting for `100 Continue` to send its body; does nothing for any other request.
 * A route that answers without calling it leaves the body unsent, and Node closes the connection after
 * that answer.
 */
export function continueBody(res: ServerResponse): void {
  if (!awaitingContinue.delete(res)) return;
  res.writeContinue();
}
