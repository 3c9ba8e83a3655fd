import type { IncomingMessage } from 'node:http';
import type { Response } from 'express';

/** How long a refused upload may go on sending the rest of its body before the connection is cut. */
const DISCARD_MAX_MS = 10_000;

/**
 * After a refusal (bad token, too large, malformed) the client may still be sending. Closing the
 * connection then makes the kernel reset it, and `fetch`, XHR and browsers report that reset instead of
 * the answer (SPEC §5.2: every refusal reaches the client). So the rest of the body is read and thrown
 * away, unparsed, up to `maxBytes` and `DISCARD_MAX_MS`; past either the connection is cut, since a
 * client that sends that much more is not waiting for an answer anyway. A body whose declared length is
 * already past the bound is not worth reading: its connection closes as soon as the answer is out.
 */
export function discardRefusedBody(req: IncomingMessage, res: Response, maxBytes: number): void {
  if (req.complete || req.destroyed) return;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.setHeader('Connection', 'close');
    res.once('finish', () => req.socket.destroySoon());
    return;
  }
  let left = maxBytes;
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
  };
  const cut = (): void => {
    stop();
    req.socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    left -= chunk.length;
    if (left < 0) cut();
  };
  const timer = setTimeout(cut, DISCARD_MAX_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
}
