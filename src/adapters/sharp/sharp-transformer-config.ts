/** The slice of configuration `SharpTransformer` needs. */
export interface SharpTransformerConfig {
  /** Pixels an original may declare, across all frames it would decode; checked from the header before decoding. */
  readonly maxInputPixels: number;
  /** Wall-clock limit for one decode or render. */
  readonly timeoutMs: number;
  /** AVIF encoder effort, 0 (fastest) … 9 (smallest). */
  readonly avifEffort: number;
  /** libvips worker threads per image; left to sharp's default (one per core) when absent. */
  readonly concurrency?: number;
}
