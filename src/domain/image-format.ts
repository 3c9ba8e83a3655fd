/** Formats the service renders to. */
export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** URL extensions; `jpg` is the canonical spelling of JPEG, `jpeg` is accepted too. */
const EXTENSION_TO_FORMAT: Readonly<Record<string, OutputFormat>> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
  gif: 'gif',
  tiff: 'tiff',
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSION_TO_FORMAT);

export function formatFromExtension(extension: string): OutputFormat | undefined {
  return Object.hasOwn(EXTENSION_TO_FORMAT, extension) ? EXTENSION_TO_FORMAT[extension] : undefined;
}

export function canonicalExtension(format: OutputFormat): string {
  return format === 'jpeg' ? 'jpg' : format;
}

export function contentTypeOf(format: OutputFormat): string {
  return `image/${format}`;
}

/** Formats whose encoder takes a quality; `quality=` is ignored (and not part of the key) for the rest. */
export function isLossy(format: OutputFormat): boolean {
  return format === 'jpeg' || format === 'webp' || format === 'avif';
}

/** Formats that keep an alpha channel; the rest get transparency flattened onto `bg`. */
export function supportsAlpha(format: OutputFormat): boolean {
  return format !== 'jpeg';
}

/** Formats that can carry an animation; animated input keeps its frames only for these. */
export function supportsAnimation(format: OutputFormat): boolean {
  return format === 'gif' || format === 'webp';
}

/**
 * Input formats accepted for originals: an allow-list, never "whatever the decoder opens".
 * libvips also reads SVG, PDF, its own `.v` files, netpbm, FITS, … — each one more attack surface
 * (SVG can reference external resources, PDF runs a full interpreter), so they are refused.
 */
export const INPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
