import type { OutputFormat } from '../../../src/domain/image-format.js';
import type { Gravity } from '../../../src/domain/image-request.js';
import { imageUrl, type ImageUrlOptions, type UrlContext } from '../../../src/domain/image-url.js';
import { fitFromSharp, idFrom, numberFrom } from './framework-options.js';

/** What unpic's components pass a transformer for `src` and every `srcset` candidate, plus `operations` of your own. */
export interface UnpicOperations {
  readonly width?: number | string;
  readonly height?: number | string;
  /** One of our formats, or `auto` (JPEG with `auto=format`: AVIF or WebP where the browser accepts it). */
  readonly format?: string;
  readonly quality?: number | string;
  /** sharp/IPX words as unpic's IPX provider takes them: `cover` → our `crop`, `contain` → `canvas`, `inside` → `clip`, `outside` → `cover`. */
  readonly fit?: string;
  readonly gravity?: Gravity;
  readonly blur?: boolean | number;
  readonly bg?: string;
}

/** Where the service is, and what every URL carries unless the operations say otherwise. */
export type UnpicTransformerOptions = UrlContext & Omit<UnpicOperations, 'width' | 'height'>;

/**
 * An unpic URL transformer (`transformer` of `@unpic/react`, `@unpic/vue`, `@unpic/svelte`, … and of
 * `@unpic/core`). With both a width and a height it crops to the box (fit `cover` in unpic's words, `crop`
 * here), as unpic's layouts with `object-fit: cover` expect; with one side the other follows the aspect
 * ratio. `src` is an image id (`holiday-01` or `/holiday-01`); a full URL's path is taken as the id.
 */
export function createUnpicTransformer(options: UnpicTransformerOptions = {}): (src: string | URL, operations: UnpicOperations) => string {
  const { baseUrl, limits, signer, ...defaults } = options;
  return (src, operations) => {
    const merged: UnpicOperations = { ...defaults, ...operations };
    const format = merged.format === undefined || merged.format === 'auto' ? undefined : (merged.format as OutputFormat);
    const image: ImageUrlOptions = {
      width: numberFrom(merged.width, 'width'),
      height: numberFrom(merged.height, 'height'),
      fit: fitFromSharp(merged.fit, 'crop'),
      gravity: merged.gravity,
      quality: numberFrom(merged.quality, 'quality'),
      blur: merged.blur,
      bg: merged.bg,
      format,
      auto: format === undefined ? 'format' : undefined,
    };
    return imageUrl(idFrom(typeof src === 'string' ? src : src.pathname), image, { baseUrl, limits, signer });
  };
}
