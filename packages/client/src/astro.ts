import type { OutputFormat } from '../../../src/domain/image-format.js';
import { imageUrl, type ImageUrlOptions, type UrlContext } from '../../../src/domain/image-url.js';
import { DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import { fitFromCss, gravityFromPosition, idFrom, numberFrom } from './framework-options.js';

/** The options Astro passes an image service (`ImageTransform`): `<Image>`'s props, attributes included. */
export interface AstroImageTransform {
  /** An image id (`holiday-01` or `/holiday-01`); an imported local image is not on the service. */
  readonly src: string | { readonly src: string };
  readonly width?: number;
  readonly height?: number;
  /** A number 1…100 or one of Astro's names `low`, `mid`, `high`, `max`. */
  readonly quality?: number | string;
  readonly format?: string;
  /** CSS `object-fit`, translated as Astro's own sharp service does: `cover` (and none given, where sharp crops) → our `crop`, `contain` → `clip`, `none` → `cover`. */
  readonly fit?: string;
  /** CSS `object-position` keywords (`top`, `bottom right`) → the crop's gravity. */
  readonly position?: string;
  readonly widths?: readonly number[];
  readonly densities?: ReadonlyArray<number | string>;
  /** Set on the density candidates this service builds: the service's own device pixel ratio (`_2x`). */
  readonly scale?: number;
  readonly [attribute: string]: unknown;
}

/** `image.service.config` in astro.config: where the service is and what every URL carries. */
export interface AstroServiceConfig extends Pick<UrlContext, 'baseUrl' | 'limits'> {
  readonly format?: OutputFormat | 'jpg';
  readonly gravity?: ImageUrlOptions['gravity'];
}

/** The part of Astro's `image` config a service receives. */
export interface AstroImageConfig {
  readonly service: { readonly config?: AstroServiceConfig };
}

/** Astro's quality names, with the numbers Astro's own services give them. */
const QUALITY_NAMES: Readonly<Record<string, number>> = { low: 25, mid: 50, high: 80, max: 100 };

function qualityFrom(quality: number | string | undefined): number | undefined {
  return typeof quality === 'string' && quality in QUALITY_NAMES ? QUALITY_NAMES[quality] : numberFrom(quality, 'quality');
}

function idOf(src: AstroImageTransform['src']): string {
  if (typeof src !== 'string') {
    throw new Error(`live-image-resize serves images by id: upload ${src.src} to the service and pass its id as src, or use Astro's default service for local images`);
  }
  return idFrom(src);
}

/** The URL of one transform: `<Image>`'s `src`, and every `srcset` candidate from `getSrcSet`. */
function getURL(options: AstroImageTransform, imageConfig: AstroImageConfig): string {
  const { baseUrl, limits, format: configured, gravity } = imageConfig.service.config ?? {};
  const format = (options.format as OutputFormat | 'jpg' | undefined) ?? configured;
  const image: ImageUrlOptions = {
    width: options.width,
    height: options.height,
    scale: options.scale,
    fit: fitFromCss(options.fit, 'crop'),
    gravity: gravityFromPosition(options.position) ?? gravity,
    quality: qualityFrom(options.quality),
    format,
    auto: format === undefined ? 'format' : undefined,
  };
  return imageUrl(idOf(options.src), image, { baseUrl, limits });
}

interface SrcSetCandidate {
  readonly transform: AstroImageTransform;
  readonly descriptor: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * `widths` → one candidate per width (`320w`), the height scaled alike; `densities` → the service's own
 * device pixel ratio (`_2x` in the URL, `2x` as descriptor), those above `limits.maxScale` left out.
 */
function getSrcSet(options: AstroImageTransform, imageConfig: AstroImageConfig): SrcSetCandidate[] {
  const { widths, densities, ...base } = options;
  if (widths !== undefined && widths.length > 0) {
    return [...new Set(widths)].map((width) => {
      const height = base.width && base.height ? Math.max(1, Math.round((width * base.height) / base.width)) : undefined;
      return { transform: { ...base, width, height }, descriptor: `${width}w`, attributes: {} };
    });
  }
  const maxScale = imageConfig.service.config?.limits?.maxScale ?? DEFAULT_LIMITS.maxScale;
  const scales = (densities ?? []).map((density) => (typeof density === 'number' ? density : Number.parseFloat(density)));
  return [...new Set(scales)]
    .filter((scale) => scale >= 1 && scale <= maxScale)
    .map((scale) => ({ transform: { ...base, scale }, descriptor: `${scale}x`, attributes: {} }));
}

/** `<img>` attributes: everything that is not an image option, plus the layout box and lazy loading. */
function getHTMLAttributes(options: AstroImageTransform): Record<string, unknown> {
  const { src: _src, format: _format, quality: _quality, fit: _fit, position: _position, widths: _widths, densities: _densities, scale: _scale, ...attributes } = options;
  return { ...attributes, loading: attributes.loading ?? 'lazy', decoding: attributes.decoding ?? 'async' };
}

/**
 * An Astro external image service (`image.service.entrypoint` in astro.config): `<Image>` and
 * `getImage()` get the service's URLs. It signs nothing: its URLs may be built for pages in the browser
 * (ADR 0031).
 */
const service = { getURL, getSrcSet, getHTMLAttributes };
export default service;
