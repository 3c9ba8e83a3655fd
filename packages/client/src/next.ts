import { imageUrl, type ImageUrlOptions, type UrlContext } from '../../../src/domain/image-url.js';
import { idFrom } from './framework-options.js';

/** What Next.js passes an image loader (`images.loaderFile` in next.config, or `<Image loader>`). */
export interface NextLoaderParams {
  /** The `src` of `<Image>`: an image id (`holiday-01`, or `/holiday-01`). */
  readonly src: string;
  /** One of Next's `deviceSizes`/`imageSizes`; each becomes one `srcset` candidate. */
  readonly width: number;
  readonly quality?: number;
}

/** The image options every URL of the loader carries, and where the service is. */
export type NextLoaderOptions = Omit<ImageUrlOptions, 'width' | 'height' | 'scale' | 'quality'> & UrlContext;

/**
 * A Next.js image loader for the service. Next asks for widths only (its `deviceSizes` and
 * `imageSizes`), so the height is left unconstrained and follows the original's aspect ratio; `<Image>`'s
 * `width`/`height` only reserve the layout box, and CSS `object-fit` crops there if it must. Without a
 * `format`, URLs ask for JPEG with `auto=format`: AVIF or WebP where the browser accepts it, as Next's
 * own optimizer negotiates. A loader file runs in browsers too, so pass no `signer` here (ADR 0031).
 */
export function createNextLoader(options: NextLoaderOptions = {}): (params: NextLoaderParams) => string {
  const { baseUrl, limits, signer, ...image } = options;
  const defaults: ImageUrlOptions = image.format === undefined && image.auto === undefined ? { ...image, auto: 'format' } : image;
  return ({ src, width, quality }) => imageUrl(idFrom(src), { ...defaults, width, quality }, { baseUrl, limits, signer });
}
