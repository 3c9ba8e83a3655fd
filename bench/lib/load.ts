import autocannon from 'autocannon';

export interface LoadResult {
  /** Completed responses per second over the run. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly responses: number;
  readonly errors: number;
  /** Count per status code, and per `X-Cache` value when the run checks headers. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly xCache: Readonly<Record<string, number>>;
  /** Server CPU milliseconds (all threads) per response, when the caller passed the server's CPU clock. */
  readonly cpuMsPerResponse: number;
}

export interface LoadOptions {
  readonly base: string;
  readonly connections: number;
  readonly seconds: number;
  /** A fresh path per request (true misses), or one constant path. */
  readonly path: string | (() => string);
  /** Record each response's status and `X-Cache` (costs a little client CPU: only for slow renders). */
  readonly inspect?: boolean;
  /** The server's CPU clock in seconds: sampled before and after the run. */
  readonly cpuSeconds?: () => number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const xCache: Record<string, number> = {};
  const nextPath = typeof options.path === 'function' ? options.path : undefined;
  const cpuBefore = options.cpuSeconds?.() ?? NaN;
  const result = await autocannon({
    url: options.base,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 60,
    requests: [
      {
        method: 'GET',
        path: typeof options.path === 'string' ? options.path : '/',
        ...(nextPath ? { setupRequest: (request) => ({ ...request, path: nextPath() }) } : {}),
        ...(options.inspect
          ? {
              onResponse: (status, _body, _context, headers) => {
                statuses[status] = (statuses[status] ?? 0) + 1;
                const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-cache');
                const value = entry ? String(entry[1]) : '-';
                xCache[value] = (xCache[value] ?? 0) + 1;
              },
            }
          : {}),
      },
    ],
  });
  if (!options.inspect) {
    for (const klass of ['2xx', '3xx', '4xx', '5xx'] as const) if (result[klass] > 0) statuses[klass] = result[klass];
  }
  const cpuAfter = options.cpuSeconds?.() ?? NaN;
  const responses = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    rps: responses / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    responses,
    errors: result.errors + result.timeouts,
    statuses,
    xCache,
    cpuMsPerResponse: ((cpuAfter - cpuBefore) * 1000) / responses,
  };
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
