import { InvalidRequestError } from './domain-error.js';
import type { OutputFormat } from './image-format.js';
import { IMAGE_ID_RULE, isImageId, type ImageId } from './image-id.js';
import { colourFrom, formatFrom, ImageRequest, redirectOf, WHITE, type Blur, type Gravity, type Rgba } from './image-request.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { Fit } from './scaling.js';
import { fromBase64, rgbaToPngDataUrl, thumbHashToRgba } from './thumbhash-decoder.js';
import { signUrl, type UrlSigner } from './url-signature.js';

// The client entry point (`live-image-resize/client`): pure functions, no I/O, safe in a browser.
export { InvalidRequestError } from './domain-error.js';
export { OUTPUT_FORMATS, type OutputFormat } from './image-format.js';
export { GRAVITIES, type Gravity, type Rgba } from './image-request.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export { FITS, type Fit } from './scaling.js';
export type { UrlSigner } from './url-signature.js';

/** What to render, as in SPEC §2; everything is optional and defaults as the service does. */
export interface ImageUrlOptions {
  /** Box width before the device pixel ratio; `0` or absent = unconstrained. */
  readonly width?: number;
  /** Box height before the device pixel ratio; `0` or absent = unconstrained. */
  readonly height?: number;
  /** Device pixel ratio, 1…`limits.maxScale`, at most two decimals. Default 1. */
  readonly scale?: number;
  /** Output format or URL extension (`jpg` and `jpeg` both mean JPEG). Default `jpeg`. */
  readonly format?: OutputFormat | 'jpg';
  readonly fit?: Fit;
  /** Which part a crop keeps; ignored (left out of the URL) for every other fit. */
  readonly gravity?: Gravity;
  /** 1…100; left out of the URL for formats that take no quality. */
  readonly quality?: number;
  /** `true` for the service's default sigma, or a sigma 0.3…100. */
  readonly blur?: boolean | number;
  /** Hex `rgb`/`rrggbb`/`rrggbbaa` (with or without `#`), or RGBA components. Default white. */
  readonly bg?: string | Rgba;
  /** `'format'` (or `true`): let the browser's `Accept` header pick AVIF or WebP. */
  readonly auto?: 'format' | boolean;
  /** Stream a cached rendition through the service instead of redirecting. */
  readonly proxy?: boolean;
}

export interface UrlContext {
  /** Prefix for every URL, e.g. `https://img.example.com` or `/images`; default none (a root-relative path). */
  readonly baseUrl?: string;
  /** The deployment's `limits.*` (with `allowedSizes`, `srcSet` offers only allowed boxes); default the service's defaults. */
  readonly limits?: Limits;
  /**
   * Signs every URL for a service with `signing.keys` (SPEC §8). Server side only: pass
   * `createUrlSigner(key)` from the package's main entry, which refuses to run in a browser.
   */
  readonly signer?: UrlSigner;
}

function fail(part: ConstructorParameters<typeof InvalidRequestError>[0], message: string): never {
  throw new InvalidRequestError(part, message);
}

function toBlur(blur: ImageUrlOptions['blur']): Blur | undefined {
  if (blur === undefined || blur === false) return undefined;
  return blur === true ? 'default' : blur;
}

/** Components are checked by `ImageRequest.create`, text by `colourFrom`: the parser's own rules. */
function toColour(bg: ImageUrlOptions['bg']): Rgba {
  if (bg === undefined) return WHITE;
  if (typeof bg !== 'string') return bg;
  return colourFrom(bg.startsWith('#') ? bg.slice(1) : bg);
}

/**
 * The request the options describe, validated exactly as the service's parser validates a URL.
 * Throws `InvalidRequestError` naming the bad option.
 */
export function imageRequestOf(id: string, options: ImageUrlOptions = {}, limits: Limits = DEFAULT_LIMITS): ImageRequest {
  return ImageRequest.create(
    {
      id: id as ImageId,
      width: options.width ?? 0,
      height: options.height ?? 0,
      scale: options.scale ?? 1,
      format: formatFrom(options.format ?? 'jpeg'),
      fit: options.fit ?? 'clip',
      gravity: options.gravity,
      quality: options.quality,
      blur: toBlur(options.blur),
      bg: toColour(options.bg),
      autoFormat: options.auto === true || options.auto === 'format',
      proxy: options.proxy ?? false,
    },
    limits,
  );
}

/** The signature covers the URL as the service sees it, from its leading `/`: the base is added after. */
function finalUrl(request: ImageRequest, context: UrlContext): string {
  const url = context.signer === undefined ? request.toUrl() : signUrl(request.toUrl(), context.signer);
  const base = context.baseUrl ?? '';
  return `${base.endsWith('/') ? base.slice(0, -1) : base}${url}`;
}

/**
 * The canonical URL of a rendition (SPEC §2), built by the same code the service parses URLs with,
 * so `imageUrl('cat', { width: 300, height: 200, scale: 2, format: 'webp', fit: 'crop' })` is
 * `/cat_300_200_2x.webp?fit=crop`. Throws `InvalidRequestError` for options the service would refuse.
 * A box beyond the limits is still a valid URL: the service redirects it to the largest allowed box.
 */
export function imageUrl(id: string, options: ImageUrlOptions = {}, context: UrlContext = {}): string {
  return finalUrl(imageRequestOf(id, options, context.limits), context);
}

export type SrcSetOptions = Omit<ImageUrlOptions, 'scale'> &
  (
    | {
        /** Width ladder (`320w, 640w, …`): one URL per width at scale 1. */
        readonly widths: readonly number[];
        /** Height = round(width / aspectRatio) for every width; without it the height is unconstrained. */
        readonly aspectRatio?: number;
        readonly densities?: never;
      }
    | {
        /** Density ladder (`1x, 2x, …`) for a fixed CSS box given by `width`/`height`. Default 1, 2, 3. */
        readonly densities?: readonly number[];
        readonly widths?: never;
      }
  );

/**
 * A `srcset` attribute value. Widths ladder: `srcSet('cat', { widths: [320, 640], format: 'webp' })`
 * → `/cat_320_0.webp 320w, /cat_640_0.webp 640w`. Density ladder:
 * `srcSet('cat', { width: 300, height: 200 })` → `/cat_300_200.jpg 1x, /cat_300_200_2x.jpg 2x, /cat_300_200_3x.jpg 3x`.
 * Candidates the service would not render at their stated size (a box beyond the limits or off
 * `limits.allowedSizes`, which it would redirect elsewhere, or a density above `limits.maxScale`) are
 * left out, so every descriptor is true and a page asks only for boxes the service renders;
 * duplicates are dropped.
 */
export function srcSet(id: string, options: SrcSetOptions, context: UrlContext = {}): string {
  const limits = context.limits ?? DEFAULT_LIMITS;
  const candidates: string[] = [];
  const seen = new Set<number>();
  if (options.widths !== undefined) {
    const { widths, aspectRatio, ...rest } = options;
    if (aspectRatio !== undefined && !(aspectRatio > 0 && Number.isFinite(aspectRatio))) fail('height', 'aspectRatio must be a positive number');
    for (const width of [...widths].sort((a, b) => a - b)) {
      if (!(Number.isInteger(width) && width > 0)) fail('width', 'every width of a ladder must be a positive integer');
      if (seen.has(width)) continue;
      const height = aspectRatio === undefined ? 0 : Math.max(1, Math.round(width / aspectRatio));
      const request = imageRequestOf(id, { ...rest, width, height }, limits);
      if (redirectOf(request.box(), limits) !== undefined) continue;
      seen.add(width);
      candidates.push(`${finalUrl(request, context)} ${width}w`);
    }
  } else {
    const { densities = [1, 2, 3], ...rest } = options;
    if (!(rest.width || rest.height)) fail('width', 'a density ladder needs a width or a height');
    for (const density of [...densities].sort((a, b) => a - b)) {
      if (seen.has(density) || density > limits.maxScale) continue;
      const request = imageRequestOf(id, { ...rest, scale: density }, limits);
      if (redirectOf(request.box(), limits) !== undefined) continue;
      seen.add(density);
      candidates.push(`${finalUrl(request, context)} ${density}x`);
    }
  }
  return candidates.join(', ');
}

/** One `sizes` entry: a media condition and the slot width when it matches. */
export interface SizesEntry {
  readonly media: string;
  readonly size: string;
}

/**
 * A `sizes` attribute value: `sizes([{ media: '(max-width: 600px)', size: '100vw' }], '50vw')` →
 * `(max-width: 600px) 100vw, 50vw`. The browser takes the first matching condition, so list the
 * narrowest first; `fallback` applies when none matches.
 */
export function sizes(entries: readonly SizesEntry[], fallback: string): string {
  return [...entries.map((entry) => `${entry.media} ${entry.size}`), fallback].join(', ');
}


/**
 * The URL of an image's info (`GET /{id}.json`, SPEC §9): its size, format, placeholder and focal point, for laying
 * a page out before the image loads. Not signed: the service renders nothing for it.
 */
export function imageInfoUrl(id: string, context: Pick<UrlContext, 'baseUrl'> = {}): string {
  if (!isImageId(id)) fail('id', IMAGE_ID_RULE);
  const base = context.baseUrl ?? '';
  return `${base.endsWith('/') ? base.slice(0, -1) : base}/${id}.json`;
}

/** What `placeholderDataUrl` reads: the `placeholder` of `GET /{id}.json` or of an upload's answer. */
export interface PlaceholderSource {
  readonly placeholder: { readonly thumbhash: string } | null;
}

/**
 * The image's ThumbHash decoded to a tiny PNG (at most 32 px a side) as a `data:` URL, to show while the image
 * loads: `<img style="background: url(…) center / cover">`, or an `<img src>` the real image replaces. Undefined
 * when the info has no placeholder (yet). Runs anywhere: no dependency, no platform API.
 */
export function placeholderDataUrl(info: PlaceholderSource): string | undefined {
  const hash = info.placeholder === null ? undefined : fromBase64(info.placeholder.thumbhash);
  if (hash === undefined || hash.length < 5) return undefined;
  const { width, height, rgba } = thumbHashToRgba(hash);
  return rgbaToPngDataUrl(width, height, rgba);
}
