import type { ImageInfo } from '../../domain/original.js';
import type { RenditionSpec } from '../../domain/rendition.js';

export interface RenderedImage {
  readonly bytes: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Decodes and renders images.
 *
 * Failures: `UnsupportedImageError` for bytes that are not an accepted, decodable image;
 * `ImageTooLargeError` for images over the pixel limit (decided from the header, before decoding);
 * `RenderTimeoutError` when a render exceeds its time limit. Stateless and safe to call concurrently.
 */
export interface Transformer {
  /**
   * Inspects an upload: accepted format, displayed size (after EXIF orientation), pages, alpha.
   * Also proves the image decodes, so nothing is stored that cannot be rendered later.
   */
  probe(bytes: Uint8Array): Promise<ImageInfo>;

  /**
   * Renders `spec` from the original's bytes; the output has exactly `spec.geometry.output`'s size.
   * `known` is what `probe` reported for these same bytes (kept in the index), so that the header need not be
   * read again; an implementation still refuses bytes that do not match it and still bounds the decode.
   */
  render(bytes: Uint8Array, spec: RenditionSpec, known?: ImageInfo): Promise<RenderedImage>;
}
