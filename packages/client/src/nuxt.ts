import type { OutputFormat } from '../../../src/domain/image-format.js';
import type { Gravity } from '../../../src/domain/image-request.js';
import { imageUrl, type UrlContext } from '../../../src/domain/image-url.js';
import { fitFromSharp, idFrom, numberFrom } from './framework-options.js';

/** The modifiers `<NuxtImg>`/`$img` pass a provider (Nuxt Image's names, sharp/IPX meanings). */
export interface NuxtModifiers {
  readonly width?: number | string;
  readonly height?: number | string;
  /** `cover` (Nuxt's default) → our `crop`, `contain` → `canvas`, `inside` → `clip`, `outside` → `cover`; `fill` is refused. */
  readonly fit?: string;
  /** Our formats; without one, JPEG with `auto=format` (AVIF or WebP where the browser accepts it). */
  readonly format?: string;
  readonly quality?: number | string;
  /** Canvas padding and flattening colour (`#rrggbb`, `rgb`, `rrggbbaa`). */
  readonly background?: string;
  /** The service's own options, not in Nuxt's vocabulary. */
  readonly gravity?: Gravity;
  readonly blur?: boolean | number;
  readonly [other: string]: unknown;
}

/** The provider's options from `image.providers.<name>.options` in nuxt.config, plus the modifiers. */
export interface NuxtProviderOptions {
  readonly modifiers?: NuxtModifiers;
  /** Where the service is, e.g. `https://img.example.com`. */
  readonly baseURL?: string;
  readonly limits?: UrlContext['limits'];
}

/**
 * Nuxt Image's provider entry point (`getImage(src, { modifiers, ...providerOptions })` → `{ url }`),
 * isomorphic as Nuxt requires: it runs on the server and in the browser, so it signs nothing. Nuxt Image 2
 * wraps it in its own `defineProvider({ getImage })`; Nuxt Image 1 reads a provider module's named `getImage`.
 */
export function getImage(src: string, { modifiers = {}, baseURL, limits }: NuxtProviderOptions = {}): { url: string } {
  const format = modifiers.format === undefined || modifiers.format === '' ? undefined : (modifiers.format as OutputFormat);
  const width = numberFrom(modifiers.width, 'width');
  const height = numberFrom(modifiers.height, 'height');
  const url = imageUrl(
    idFrom(src),
    {
      width,
      height,
      fit: fitFromSharp(modifiers.fit, 'crop'),
      format,
      auto: format === undefined ? 'format' : undefined,
      quality: numberFrom(modifiers.quality, 'quality'),
      bg: modifiers.background,
      gravity: modifiers.gravity,
      blur: modifiers.blur,
    },
    { baseUrl: baseURL, limits },
  );
  return { url };
}
