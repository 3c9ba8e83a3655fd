/** The slice of configuration `SharpTransformer` needs; the size limits are the application's (domain `Limits`). */
export interface SharpTransformerConfig {
  /** libvips' own time limit for one decode or render (rounded up to whole seconds, at least 1). */
  readonly timeoutMs: number;
  /** AVIF encoder effort, 0 (fastest) … 9 (smallest). */
  readonly avifEffort: number;
  /** WebP encoder effort, 0 (fastest) … 6 (smallest); libwebp's default (4) when absent. */
  readonly webpEffort?: number;
  /** libvips worker threads per image; left to sharp's default (one per core) when absent. */
  readonly concurrency?: number;
  /**
   * Bytes of decoded original files kept for further renders of the same file (ADR 0037); none when absent or 0.
   * Only renders from a local file share decodes.
   */
  readonly sharedDecodeBytes?: number;
}
