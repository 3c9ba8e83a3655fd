/**
 * The floor for cache hits: a bare node:http server that does nothing but answer, with the very bytes the service
 * answers: the status, headers and body in ANSWER_FILE (JSON `{ status, headers: [[name, value], …] }`, the body
 * base64), recorded from one of the service's own answers. The load generator then reads the same answer on both
 * sides of a ratio: it spends several times more CPU reading a 24 KB JPEG than as many constant bytes, and more on
 * nine headers and a body than on three headers and none. Only `Date`, which Node adds, differs.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

interface Answer {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

const answer = JSON.parse(readFileSync(process.env.ANSWER_FILE ?? '', 'utf8')) as Answer;
const headers = answer.headers.flat();
const body = Buffer.from(answer.body, 'base64');

const server = http.createServer((_req, res) => {
  res.writeHead(answer.status, headers);
  res.end(body);
});
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as { port: number }).port}\n`);
});
