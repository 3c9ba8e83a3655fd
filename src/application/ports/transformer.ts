import type { ImageInfo } from '../../domain/original.js';
import type { Pixels } from '../../domain/placeholder.js';
import type { RenditionSpec } from '../../domain/rendition.js';
import type { LocalFile } from './original-store.js';

/** An original as a render reads it: its bytes in memory, or its file on this machine (`OriginalStore.local`). */
export type RenderInput = Uint8Array | LocalFile;

export interface RenderedImage {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes and renders images. Applies no limit of its own: the application checks a header against the domain's
 * limits (`checkOriginalSize`, `checkRenderCost`) before it asks for any decode, and every decode is bounded by
 * what that checked header declared.
 *
 * Failures: `UnsupportedImageError` for bytes that are not an accepted, decodable image; `ImageTooLargeError` when
 * a decoder finds more pixels than the header it was given declares; `RenderTimeoutError` when the decoder's own
 * time limit stopped the work. A returned promise settles only once the work has really stopped (a render slot is
 * held until then, ADR 0014). Stateless and safe to call concurrently.
 */
export interface Transformer {
  /**
   * Reads an upload's header only: accepted format (allow-list by magic bytes), displayed size (after EXIF
   * orientation), pages, alpha. Decodes no pixels, so it is cheap even for a decompression bomb.
   */
  inspect(bytes: Uint8Array): Promise<ImageInfo>;

  /**
   * Proves that the image decodes — every frame a render may decode — so nothing is stored that cannot be
   * rendered later, and returns what that decode saw: the first frame, displayed (EXIF-oriented), in sRGB, reduced
   * to at most `PREVIEW_MAX_SIDE` pixels a side with its aspect ratio kept, as RGBA (placeholders are computed from
   * it). `info` is what `inspect` read from these bytes, already checked against the limits.
   */
  verify(bytes: Uint8Array, info: ImageInfo): Promise<Pixels>;

  /**
   * Renders `spec` from the original's bytes, or from its local file; the output has exactly `spec.geometry.output`'s
   * size, and is the same for both sources. `info` is what `inspect` reported for these same bytes (kept in the
   * index); bytes that do not match it are refused (for a file: its head).
   */
  render(original: RenderInput, spec: RenditionSpec, info: ImageInfo): Promise<RenderedImage>;
}
