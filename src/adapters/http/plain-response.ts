import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * Answers written with Node's own response methods, so that the image reads answered ahead of express (ADR 0034)
 * and the routes behind it send the same bytes: express's `res.send`, `res.redirect` and `res.vary` are not used
 * for them.
 */

/** The path of a request URL, without its query: what express calls `req.path` for the origin-form URLs served here. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Adds `field` to the answer's `Vary` unless it is named there already, as express's `res.vary` does. */
export function vary(res: ServerResponse, field: string): void {
  const current = res.getHeader('Vary');
  if (current === undefined) {
    res.setHeader('Vary', field);
    return;
  }
  const fields = String(current);
  if (fields === '*' || fields.split(/\s*,\s*/).some((name) => name.toLowerCase() === field.toLowerCase())) return;
  res.setHeader('Vary', `${fields}, ${field}`);
}

/** A whole answer with a body and its length; a HEAD request gets the same headers without the body. */
export function sendBody(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string | Uint8Array): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** A redirect with the one-line plain-text body express sends to clients that take text: `See Other. Redirecting to …`. */
export function redirect(req: IncomingMessage, res: ServerResponse, status: number, location: string): void {
  res.setHeader('Location', location);
  sendBody(req, res, status, 'text/plain; charset=utf-8', `${STATUS_CODES[status] ?? 'Redirect'}. Redirecting to ${location}`);
}
