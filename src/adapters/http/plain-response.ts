import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeader, type ServerResponse } from 'node:http';

/**
 * Answers written with Node's own response methods, so that the image reads answered ahead of express (ADR 0034)
 * and the routes behind it send the same bytes: express's `res.send`, `res.redirect` and `res.vary` are not used
 * for them.
 */

/**
 * Where an answer's headers are set before its head is written: the response itself (`setHeader`, read back by the
 * access line), or a {@link HeaderFields} list written in one `writeHead`.
 */
export interface HeaderTarget {
  setHeader(name: string, value: OutgoingHttpHeader): unknown;
  getHeader(name: string): OutgoingHttpHeader | undefined;
}

/**
 * Header fields gathered in order and written with one `writeHead(status, fields)`, the way a bare Node server
 * answers: `setHeader` keeps every header in a per-response object keyed by its lower-cased name, and for a cache
 * hit answered from memory that object was a tenth of the CPU (ADR 0034). Same rules as `setHeader`: a name set
 * again (in any letter case) replaces its value where it stood.
 */
export class HeaderFields implements HeaderTarget {
  /** `[name, value, name, value, …]`, as `writeHead` takes them. */
  readonly fields: string[] = [];

  setHeader(name: string, value: OutgoingHttpHeader): this {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    const at = this.indexOf(name);
    if (at < 0) this.fields.push(name, text);
    else this.fields[at + 1] = text;
    return this;
  }

  getHeader(name: string): string | undefined {
    const at = this.indexOf(name);
    return at < 0 ? undefined : this.fields[at + 1];
  }

  private indexOf(name: string): number {
    const { fields } = this;
    for (let i = 0; i < fields.length; i += 2) {
      const field = fields[i]!;
      if (field === name || (field.length === name.length && field.toLowerCase() === name.toLowerCase())) return i;
    }
    return -1;
  }
}

/** Writes the status line and the headers set on `head` (kept on the response when `head` is the response). */
export function writeHead(res: ServerResponse, status: number, head: HeaderTarget): void {
  if (head === res) res.statusCode = status;
  else res.writeHead(status, (head as HeaderFields).fields);
}

/** The path of a request URL, without its query: what express calls `req.path` for the origin-form URLs served here. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

/** Adds `field` to the answer's `Vary` unless it is named there already, as express's `res.vary` does. */
export function vary(head: HeaderTarget, field: string): void {
  const current = head.getHeader('Vary');
  if (current === undefined) {
    head.setHeader('Vary', field);
    return;
  }
  const fields = String(current);
  if (fields === '*' || fields.split(/\s*,\s*/).some((name) => name.toLowerCase() === field.toLowerCase())) return;
  head.setHeader('Vary', `${fields}, ${field}`);
}

/** A whole answer with a body and its length; a HEAD request gets the same headers without the body. */
export function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
  head: HeaderTarget = res,
): void {
  head.setHeader('Content-Type', contentType);
  head.setHeader('Content-Length', typeof body === 'string' ? Buffer.byteLength(body) : body.length);
  writeHead(res, status, head);
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** A redirect with the one-line plain-text body express sends to clients that take text: `See Other. Redirecting to …`. */
export function redirect(req: IncomingMessage, res: ServerResponse, status: number, location: string, head: HeaderTarget = res): void {
  head.setHeader('Location', location);
  sendBody(req, res, status, 'text/plain; charset=utf-8', `${STATUS_CODES[status] ?? 'Redirect'}. Redirecting to ${location}`, head);
}
