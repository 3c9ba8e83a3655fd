import { InvalidRequestError, type RequestPart } from './domain-error.js';
import { canonicalExtension, formatFromExtension, isLossy, OUTPUT_FORMATS, SUPPORTED_EXTENSIONS, type OutputFormat } from './image-format.js';
import { IMAGE_ID_RULE, isImageId, MAX_IMAGE_ID_LENGTH, type ImageId } from './image-id.js';
import { allowedBoxFor, formatBox } from './allowed-sizes.js';
import { MAX_DIMENSION_DIGITS, type Limits } from './limits.js';
import { clampBox, exceedsLimits, FITS, scaleBox, type Box, type Fit } from './scaling.js';

export const GRAVITIES = [
  'center',
  'north',
  'northeast',
  'east',
  'southeast',
  'south',
  'southwest',
  'west',
  'northwest',
  'entropy',
  'attention',
] as const;
export type Gravity = (typeof GRAVITIES)[number];

/** A colour as 8-bit RGBA. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly alpha: number;
}

export const WHITE: Rgba = Object.freeze({ r: 255, g: 255, b: 255, alpha: 255 });

/** `true` asks for the configured default sigma. */
export type Blur = number | 'default';

/** Blur sigmas below 0.3 are invisible; above 100 they only burn CPU (libvips' own bounds). */
export const MIN_BLUR_SIGMA = 0.3;
export const MAX_BLUR_SIGMA = 100;

export interface ImageRequestFields {
  readonly id: ImageId;
  /** Requested box before the device pixel ratio; `0` = unconstrained. */
  readonly width: number;
  readonly height: number;
  /** Device pixel ratio, 1…maxScale, at most two decimals. */
  readonly scale: number;
  readonly format: OutputFormat;
  readonly fit: Fit;
  /**
   * Only meaningful for `crop`; normalised to undefined for every other fit. Undefined: none given, so the crop
   * keeps the original's focal point, or else the centre (SPEC §9); an explicit `center` ignores the focal point.
   */
  readonly gravity: Gravity | undefined;
  readonly quality: number | undefined;
  readonly blur: Blur | undefined;
  readonly bg: Rgba;
  /** `?auto=format`: let the client's `Accept` header pick AVIF or WebP. */
  readonly autoFormat: boolean;
  /** `?proxy=true`: stream a cached rendition instead of redirecting. Not part of the rendition's identity. */
  readonly proxy: boolean;
}

/**
 * What clients of the original service send that the strict grammar refuses (SPEC §10), accepted only under
 * `compat.legacy`: `.JPG` (any upper-case extension), `.jfif`, `quality=-1` (its "default"), `allow_webp=`.
 */
export const LEGACY_URL_FORMS = ['uppercase_extension', 'jfif', 'quality_minus_one', 'allow_webp'] as const;
export type LegacyUrlForm = (typeof LEGACY_URL_FORMS)[number];

/** Which grammar a URL is read with: the strict one, or the strict one after the legacy forms are translated. */
export interface UrlDialect {
  readonly legacy: boolean;
}

export const STRICT_DIALECT: UrlDialect = Object.freeze({ legacy: false });

export type ImageRequestParse =
  /** `legacyForms`: the legacy forms this URL used (empty unless read with the legacy dialect). */
  | { readonly kind: 'valid'; readonly request: ImageRequest; readonly legacyForms: readonly LegacyUrlForm[] }
  /** A box beyond the limits or off `limits.allowedSizes`: answered by a redirect to `target`, `reason` saying why. */
  | {
      readonly kind: 'redirect';
      readonly request: ImageRequest;
      readonly target: ImageRequest;
      readonly reason: string;
      readonly legacyForms: readonly LegacyUrlForm[];
    }
  | { readonly kind: 'invalid'; readonly error: InvalidRequestError };

// The scale group takes any decimal so that `_2.625x` is refused as a bad scale, not as a bad id.
const SIZED_NAME = /^(.+)_(\d+)_(\d+)(?:_(\d+(?:\.\d+)?)x)?$/;
const DIMENSION_PATTERN = new RegExp(`^\\d{1,${MAX_DIMENSION_DIGITS}}$`);
const SCALE_PATTERN = /^(?=.{1,8}$)\d+(?:\.\d{1,2})?$/;
const SIGMA_PATTERN = /^\d{1,3}(?:\.\d{1,2})?$/;
const QUALITY_PATTERN = /^\d{1,3}$/;
const HEX_COLOUR = /^(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
/** Options in the order the canonical URL lists them. */
const OPTION_KEYS = ['fit', 'gravity', 'quality', 'blur', 'bg', 'auto', 'proxy'] as const;
type OptionKey = (typeof OPTION_KEYS)[number];

function fail(part: RequestPart, message: string): never {
  throw new InvalidRequestError(part, message);
}

/** `1.15 * 100` is `114.99999999999999` in binary floating point, so compare the decimal text instead. */
function hasAtMostTwoDecimals(value: number): boolean {
  return Number(value.toFixed(2)) === value;
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}

export function formatColour(colour: Rgba): string {
  const rgb = `${hex2(colour.r)}${hex2(colour.g)}${hex2(colour.b)}`;
  return colour.alpha === 255 ? rgb : `${rgb}${hex2(colour.alpha)}`;
}

export function parseColour(value: string): Rgba | undefined {
  if (!HEX_COLOUR.test(value)) return undefined;
  const full = value.length === 3 ? [...value].map((c) => c + c).join('') : value;
  const byte = (i: number): number => Number.parseInt(full.slice(i, i + 2), 16);
  return { r: byte(0), g: byte(2), b: byte(4), alpha: full.length === 8 ? byte(6) : 255 };
}

function sameColour(a: Rgba, b: Rgba): boolean {
  return a.r === b.r && a.g === b.g && a.b === b.b && a.alpha === b.alpha;
}

const BG_RULE = 'bg must be a hex colour (rgb, rrggbb or rrggbbaa) or components of 0–255';
const FORMAT_RULE = `format must be one of ${SUPPORTED_EXTENSIONS.join(', ')}`;

/** A colour from its hex text; throws `InvalidRequestError` on `bg` for anything else. */
export function colourFrom(text: string): Rgba {
  return parseColour(text) ?? fail('bg', BG_RULE);
}

/** The format an extension names; throws `InvalidRequestError` on `format` for an unsupported one. */
export function formatFrom(extension: string): OutputFormat {
  return formatFromExtension(extension) ?? fail('format', FORMAT_RULE);
}

function oneOf<T extends string>(part: RequestPart, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) fail(part, `${part} must be one of ${allowed.join(', ')}`);
  return value as T;
}

const isByte = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 255;

/**
 * Every field's rule, stated once. `create` applies them to fields from code; `parse` reads the URL's text into
 * fields (text the grammar refuses becomes `NaN`, which these refuse) and applies them too, so a rule can
 * neither differ nor give a different message between the two.
 */
function validate(fields: ImageRequestFields, limits: Limits): void {
  for (const part of ['width', 'height'] as const) {
    const value = fields[part];
    if (!(Number.isInteger(value) && value >= 0 && String(value).length <= MAX_DIMENSION_DIGITS)) {
      fail(part, `${part} must be a whole number of at most ${MAX_DIMENSION_DIGITS} digits`);
    }
  }
  if (!(fields.scale >= 1 && fields.scale <= limits.maxScale && hasAtMostTwoDecimals(fields.scale))) {
    fail('scale', `scale must be from 1 to ${limits.maxScale} with at most two decimals, as in _2x or _1.5x`);
  }
  if (!isImageId(fields.id)) fail('id', IMAGE_ID_RULE);
  if (!(OUTPUT_FORMATS as readonly string[]).includes(fields.format)) fail('format', FORMAT_RULE);
  oneOf('fit', fields.fit, FITS);
  if (fields.gravity !== undefined) oneOf('gravity', fields.gravity, GRAVITIES);
  if (fields.quality !== undefined && !(Number.isInteger(fields.quality) && fields.quality >= 1 && fields.quality <= 100)) {
    fail('quality', 'quality must be an integer from 1 to 100');
  }
  const { blur } = fields;
  if (blur !== undefined && blur !== 'default' && !(blur >= MIN_BLUR_SIGMA && blur <= MAX_BLUR_SIGMA && hasAtMostTwoDecimals(blur))) {
    fail('blur', `blur must be true, false or a sigma from ${MIN_BLUR_SIGMA} to ${MAX_BLUR_SIGMA} with at most two decimals`);
  }
  if (![fields.bg.r, fields.bg.g, fields.bg.b, fields.bg.alpha].every(isByte)) fail('bg', BG_RULE);
}

/** The number `text` spells if it matches `pattern`, else `NaN`: `1e2`, `0x10` or `1.0000000000000001` must not pass as numbers. */
function numberFrom(text: string, pattern: RegExp): number {
  return pattern.test(text) ? Number(text) : NaN;
}

function readOptions(query: string): Map<OptionKey, string> {
  const options = new Map<OptionKey, string>();
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    fail('path', 'the query string is malformed');
  }
  for (const [key, value] of params) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) continue; // unknown keys are ignored, as SPEC §2 says
    const known = key as OptionKey;
    if (options.has(known)) fail(known, `${known} is given more than once`);
    options.set(known, value);
  }
  return options;
}

function blurFrom(text: string): Blur | undefined {
  if (text === 'true') return 'default';
  if (text === 'false') return undefined;
  return numberFrom(text, SIGMA_PATTERN);
}

/**
 * The strict spelling of a URL in the legacy dialect, and which legacy forms it used. Only the forms are
 * rewritten (the extension lower-cased, `jfif` → `jpg`, `quality=-1` and `allow_webp=false` dropped,
 * `allow_webp=true` → `auto=format`); everything else is left for the strict grammar to judge, so a legacy URL
 * can never reach what a strict one cannot.
 */
export function translateLegacyUrl(path: string, query: string): { path: string; query: string; forms: LegacyUrlForm[] } {
  const forms: LegacyUrlForm[] = [];
  const dot = path.lastIndexOf('.');
  let extension = dot < 0 ? '' : path.slice(dot + 1);
  if (extension !== extension.toLowerCase()) {
    forms.push('uppercase_extension');
    extension = extension.toLowerCase();
  }
  if (extension === 'jfif') {
    forms.push('jfif');
    extension = 'jpg';
  }
  const strictPath = dot < 0 ? path : `${path.slice(0, dot + 1)}${extension}`;
  const params = legacyQueryParams(query);
  if (params === undefined) return { path: strictPath, query, forms };
  const allowWebp = params.getAll('allow_webp');
  if (params.has('quality', '-1')) {
    forms.push('quality_minus_one');
    params.delete('quality', '-1');
  }
  if (allowWebp.length > 0) {
    forms.push('allow_webp');
    params.delete('allow_webp');
    if (allowWebp.includes('true') && !params.has('auto')) params.append('auto', 'format');
  }
  return { path: strictPath, query: forms.some(isQueryForm) ? params.toString() : query, forms };
}

const isQueryForm = (form: LegacyUrlForm): boolean => form === 'quality_minus_one' || form === 'allow_webp';

/** The query's parameters when it may hold a legacy form; `undefined` leaves a malformed query to the strict parser. */
function legacyQueryParams(query: string): URLSearchParams | undefined {
  if (!query.includes('quality=-1') && !query.includes('allow_webp')) return undefined;
  try {
    return new URLSearchParams(query);
  } catch {
    return undefined;
  }
}

/**
 * Where a box must be redirected (SPEC §2 oversized boxes, §8 allowed sizes), in one step: an oversized
 * box is clamped first, and the clamped box then checked against the allowed sizes.
 */
export function redirectOf(box: Box, limits: Limits): { readonly box: Box; readonly reason: string } | undefined {
  const clamped = clampBox(box, limits);
  const allowed = allowedBoxFor(clamped, limits);
  const requested = formatBox(box);
  if (allowed !== undefined) {
    const which = allowed.containsRequested ? 'the smallest allowed size that contains it' : 'the largest allowed size';
    return { box: allowed.box, reason: `requested ${requested} is not an allowed size; redirected to ${formatBox(allowed.box)}, ${which}` };
  }
  if (!exceedsLimits(box, limits)) return undefined;
  return { box: clamped, reason: `requested ${requested} exceeds the limit of ${limits.maxWidth}x${limits.maxHeight}; redirected to ${formatBox(clamped)}` };
}

/**
 * What a client asked for in `/{id}_{w}_{h}[_{s}x].{fmt}[?options]` (SPEC §2), normalised so that
 * equivalent URLs build equal requests: `jpeg`→`jpg`, `_1x` dropped, `_0_0` = the original's size,
 * gravity kept only for crop, a fit with a `0` side is clip, quality kept only where it can matter.
 */
export class ImageRequest implements ImageRequestFields {
  readonly id: ImageId;
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  readonly format: OutputFormat;
  readonly fit: Fit;
  readonly gravity: Gravity | undefined;
  readonly quality: number | undefined;
  readonly blur: Blur | undefined;
  readonly bg: Rgba;
  readonly autoFormat: boolean;
  readonly proxy: boolean;

  private constructor(fields: ImageRequestFields) {
    const zeroSide = fields.width === 0 || fields.height === 0;
    this.id = fields.id;
    this.width = fields.width;
    this.height = fields.height;
    this.scale = fields.width === 0 && fields.height === 0 ? 1 : fields.scale;
    this.format = fields.format;
    this.fit = zeroSide ? 'clip' : fields.fit;
    this.gravity = this.fit === 'crop' ? fields.gravity : undefined;
    this.quality = isLossy(fields.format) || fields.autoFormat ? fields.quality : undefined;
    this.blur = fields.blur;
    this.bg = Object.freeze({ ...fields.bg });
    this.autoFormat = fields.autoFormat;
    this.proxy = fields.proxy;
    Object.freeze(this);
  }

  /**
   * Parses a raw (not percent-decoded) path and query string; the legacy dialect (`compat.legacy`) first
   * translates the forms of `LEGACY_URL_FORMS` and reports which it met. Never throws: every input is either
   * a request, an oversized request with its clamped twin, or an `InvalidRequestError` naming the part.
   */
  static parse(path: string, query: string, limits: Limits, dialect: UrlDialect = STRICT_DIALECT): ImageRequestParse {
    try {
      const legacy = dialect.legacy ? translateLegacyUrl(path, query) : { path, query, forms: [] };
      const request = ImageRequest.parseStrict(legacy.path, legacy.query, limits);
      const legacyForms = Object.freeze(legacy.forms);
      const redirect = redirectOf(request.box(), limits);
      if (redirect === undefined) return { kind: 'valid', request, legacyForms };
      const { box, reason } = redirect;
      const target = request.with({ width: box.width, height: box.height, scale: 1 });
      return { kind: 'redirect', request, target, reason, legacyForms };
    } catch (error) {
      if (error instanceof InvalidRequestError) return { kind: 'invalid', error };
      throw error;
    }
  }

  /** Builds a request from fields, validating each one as `parse` does; throws `InvalidRequestError`. */
  static create(fields: ImageRequestFields, limits: Limits): ImageRequest {
    validate(fields, limits);
    return new ImageRequest(fields);
  }

  private static parseStrict(path: string, query: string, limits: Limits): ImageRequest {
    if (!path.startsWith('/') || path.length > MAX_IMAGE_ID_LENGTH + 64) fail('path', 'path must be /{id}_{w}_{h}[_{s}x].{fmt}');
    const file = path.slice(1);
    // Ids contain no dots but a scale may (`_1.5x`): the extension starts at the last dot.
    const dot = file.lastIndexOf('.');
    if (dot < 0) fail('format', `a format extension is required, one of ${SUPPORTED_EXTENSIONS.join(', ')}`);
    const name = file.slice(0, dot);
    const format = formatFrom(file.slice(dot + 1));

    const sized = SIZED_NAME.exec(name);
    const options = readOptions(query);
    const option = <T>(key: OptionKey, read: (text: string) => T, absent: T): T => {
      const text = options.get(key);
      return text === undefined ? absent : read(text);
    };
    return ImageRequest.create(
      {
        id: (sized ? (sized[1] ?? '') : name) as ImageId,
        width: sized ? numberFrom(sized[2] ?? '', DIMENSION_PATTERN) : 0,
        height: sized ? numberFrom(sized[3] ?? '', DIMENSION_PATTERN) : 0,
        scale: sized?.[4] === undefined ? 1 : numberFrom(sized[4], SCALE_PATTERN),
        format,
        // Unchecked text here: `create` holds the one rule for each.
        fit: option('fit', (text) => text as Fit, 'clip'),
        gravity: option('gravity', (text) => text as Gravity, undefined),
        quality: option('quality', (text) => numberFrom(text, QUALITY_PATTERN), undefined),
        blur: option('blur', blurFrom, undefined),
        bg: option('bg', colourFrom, WHITE),
        autoFormat: option('auto', (text) => oneOf('auto', text, ['format'] as const) === 'format', false),
        proxy: option('proxy', (text) => oneOf('proxy', text, ['true', 'false'] as const) === 'true', false),
      },
      limits,
    );
  }

  /** The box in device pixels: `round(w·s) × round(h·s)`. */
  box(): Box {
    return scaleBox({ width: this.width, height: this.height }, this.scale);
  }

  isOriginalSize(): boolean {
    return this.width === 0 && this.height === 0;
  }

  with(changes: Partial<ImageRequestFields>): ImageRequest {
    return new ImageRequest({ ...this.toFields(), ...changes });
  }

  toFields(): ImageRequestFields {
    const { id, width, height, scale, format, fit, gravity, quality, blur, bg, autoFormat, proxy } = this;
    return { id, width, height, scale, format, fit, gravity, quality, blur, bg, autoFormat, proxy };
  }

  /** The canonical path: `/{id}.{ext}` for the original size where that cannot be misread as sized. */
  toPath(): string {
    const extension = canonicalExtension(this.format);
    if (this.isOriginalSize() && !SIZED_NAME.test(this.id)) return `/${this.id}.${extension}`;
    const scale = this.scale === 1 ? '' : `_${this.scale}x`;
    return `/${this.id}_${this.width}_${this.height}${scale}.${extension}`;
  }

  /** The canonical query string (without `?`), options in a fixed order, defaults left out. */
  toQuery(): string {
    const parts: string[] = [];
    if (this.fit !== 'clip') parts.push(`fit=${this.fit}`);
    if (this.gravity !== undefined) parts.push(`gravity=${this.gravity}`);
    if (this.quality !== undefined) parts.push(`quality=${this.quality}`);
    if (this.blur !== undefined) parts.push(`blur=${this.blur === 'default' ? 'true' : String(this.blur)}`);
    if (!sameColour(this.bg, WHITE)) parts.push(`bg=${formatColour(this.bg)}`);
    if (this.autoFormat) parts.push('auto=format');
    if (this.proxy) parts.push('proxy=true');
    return parts.join('&');
  }

  /** The canonical URL path and query: `format(parse(x)) === x` for every canonical `x`. */
  toUrl(): string {
    const query = this.toQuery();
    return query === '' ? this.toPath() : `${this.toPath()}?${query}`;
  }
}
