/** libuv's own default pool size: what file I/O, DNS and crypto get besides the render slots. */
export const IO_THREADS = 4;

export interface ThreadPoolFit {
  readonly poolSize: number;
  readonly wanted: number;
  /** Set when the pool is smaller than the render slots need: what to do about it. */
  readonly advice?: string;
}

/**
 * Each sharp pipeline holds a libuv pool thread for its whole run, so the pool needs one thread per
 * render slot plus the default four for file I/O (a cache hit streams from disk through the pool), DNS
 * and crypto (ADR 0009). libuv reads UV_THREADPOOL_SIZE once, when the pool starts — under ESM that is
 * before any module of ours runs (the module loader reads files through the pool), so it cannot be set
 * here; the npm scripts and the `lir` launcher set it, and this only tells the operator when it does not
 * fit render.concurrency.
 */
export function threadPoolFit(renderConcurrency: number, uvThreadpoolSize: string | undefined): ThreadPoolFit {
  const poolSize = Number(uvThreadpoolSize ?? IO_THREADS) || IO_THREADS;
  const wanted = renderConcurrency + IO_THREADS;
  if (poolSize >= wanted) return { poolSize, wanted };
  return {
    poolSize,
    wanted,
    advice: `UV_THREADPOOL_SIZE=${poolSize} is smaller than render.concurrency + ${IO_THREADS}; renders will hold up file I/O. Start with UV_THREADPOOL_SIZE=${wanted}.`,
  };
}
