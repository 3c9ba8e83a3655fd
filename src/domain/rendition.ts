import { createHash } from 'node:crypto';
import { formatFocalPoint, type FocalPoint } from './focal-point.js';
import { contentTypeOf, isLossy, supportsAlpha, type OutputFormat } from './image-format.js';
import { formatColour, WHITE, type Gravity, type ImageRequest, type Rgba } from './image-request.js';
import type { Limits } from './limits.js';
import { renditionObjectKey } from './object-key.js';
import type { OriginalKey, OriginalMetadata } from './original.js';
import { computeGeometry, type Box, type Fit, type Geometry, type Size } from './scaling.js';

/** Render settings that come from configuration rather than the URL. */
export interface RenderDefaults {
  readonly quality: Readonly<Record<OutputFormat, number>>;
  readonly blurSigma: number;
  readonly allowUpscale: boolean;
}

/**
 * Everything a render needs, fully resolved: the configured defaults filled in and the output geometry
 * computed from the original's size. Two requests that resolve to the same spec produce the same bytes, so
 * the spec is the rendition's identity; for the same reason an option that cannot change those bytes is
 * resolved to one value (ADR 0018), so that varying it neither renders nor stores anything again.
 */
export interface RenditionSpec {
  /** The box as far as it shapes the output: the output size (the render reads only the geometry). */
  readonly box: Box;
  /** `clip` also for `cover`, and for a `canvas` that pads nothing: each renders exactly like `clip` from the same geometry. */
  readonly fit: Fit;
  readonly gravity: Gravity;
  /**
   * The original's focal point, for a crop that named no gravity (SPEC §9): the crop window keeps it in frame
   * (`focalCrop`). Undefined otherwise, and then absent from the identity, so originals without one keep the
   * identities they had before focal points existed.
   */
  readonly focus: FocalPoint | undefined;
  readonly format: OutputFormat;
  /** Undefined for lossless formats. */
  readonly quality: number | undefined;
  /** Gaussian sigma; undefined = no blur. */
  readonly blur: number | undefined;
  /** White wherever it touches no pixel (see `resolveSpec`). */
  readonly bg: Rgba;
  readonly allowUpscale: boolean;
  readonly geometry: Geometry;
}

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

/**
 * The background as the render can use it. It fills a canvas's padding and, for formats without alpha (JPEG),
 * the transparent pixels it flattens; there, the colour's own alpha is dropped. Anywhere else it touches no
 * pixel and resolves to the default. `hasAlpha` other than `false` (unknown) counts as transparent: keeping a
 * colour that does nothing costs a duplicate rendition, dropping one that matters would serve wrong pixels.
 */
function effectiveBackground(bg: Rgba, format: OutputFormat, padded: boolean, hasAlpha: boolean | undefined): Rgba {
  const keepsAlpha = supportsAlpha(format);
  const flattened = !keepsAlpha && hasAlpha !== false;
  if (!padded && !flattened) return WHITE;
  return keepsAlpha || bg.alpha === 255 ? bg : { ...bg, alpha: 255 };
}

export function resolveSpec(
  request: ImageRequest,
  format: OutputFormat,
  original: Pick<OriginalMetadata, 'width' | 'height' | 'hasAlpha' | 'focalPoint'>,
  defaults: RenderDefaults,
  limits: Limits,
): RenditionSpec {
  const geometry = computeGeometry(original, request.box(), request.fit, limits, defaults.allowUpscale);
  const padded = request.fit === 'canvas' && !sameSize(geometry.content, geometry.output);
  const cropped = request.fit === 'crop' && !sameSize(geometry.content, geometry.output);
  return {
    box: geometry.output,
    fit: request.fit === 'crop' || padded ? request.fit : 'clip',
    gravity: request.gravity ?? 'center',
    // A crop that cuts nothing keeps every point: the focal point would only split identities.
    focus: cropped && request.gravity === undefined ? original.focalPoint : undefined,
    format,
    quality: isLossy(format) ? (request.quality ?? defaults.quality[format]) : undefined,
    blur: request.blur === 'default' ? defaults.blurSigma : request.blur,
    bg: effectiveBackground(request.bg, format, padded, original.hasAlpha),
    allowUpscale: defaults.allowUpscale,
    geometry,
  };
}

/** A canonical, order-fixed text of the spec's identity-bearing fields. */
export function canonicalSpec(spec: RenditionSpec): string {
  return [
    `box=${spec.box.width}x${spec.box.height}`,
    `fit=${spec.fit}`,
    `gravity=${spec.gravity}`,
    ...(spec.focus === undefined ? [] : [`focus=${formatFocalPoint(spec.focus)}`]),
    `format=${spec.format}`,
    `quality=${spec.quality ?? '-'}`,
    `blur=${spec.blur ?? '-'}`,
    `bg=${formatColour(spec.bg)}`,
    `upscale=${spec.allowUpscale ? 1 : 0}`,
    // The geometry also depends on the configured size limits (a `0_0` or cover request of a large
    // original is bounded by them): without it, lowering the limits would keep serving the old size.
    `content=${spec.geometry.content.width}x${spec.geometry.content.height}`,
    `output=${spec.geometry.output.width}x${spec.geometry.output.height}`,
  ].join(';');
}

/**
 * A rendition's identity: the original's id and content version plus the resolved spec. Its storage
 * key puts every rendition of an original under one prefix, so a purge is one listing.
 */
export class Rendition {
  /** `{id}/{version[0..16]}/{fingerprint}.{ext}`. */
  declare readonly key: string;
  /** A strong validator: the same key always names the same bytes (same original version, same spec). */
  declare readonly etag: string;

  private constructor(
    readonly original: OriginalKey,
    readonly spec: RenditionSpec,
    /** 32 hex chars of SHA-256 over the canonical spec: short keys, collisions out of reach. */
    readonly fingerprint: string,
  ) {
    // Computed once, as the fingerprint is: every hit reads both, and looks the key up in maps (a string made per
    // read is hashed per look-up). Not enumerable: a rendition compares and serialises by its identity alone.
    Object.defineProperties(this, {
      key: { value: renditionObjectKey(original, fingerprint, spec.format) },
      etag: { value: `"${original.version.slice(0, 16)}-${fingerprint}"` },
    });
    Object.freeze(this);
  }

  static of(original: OriginalKey, spec: RenditionSpec): Rendition {
    const fingerprint = createHash('sha256').update(canonicalSpec(spec)).digest('hex').slice(0, 32);
    return new Rendition({ id: original.id, version: original.version }, spec, fingerprint);
  }

  get contentType(): string {
    return contentTypeOf(this.spec.format);
  }
}

/**
 * How long anyone may keep a rendition: a rendition key names one original version and one canonical
 * spec, so its bytes never change, and browsers and CDNs may keep it for a year without revalidating.
 * Sent on every rendition answer and stored as object metadata where a bucket serves renditions itself.
 */
export const RENDITION_CACHE_CONTROL = 'public, max-age=31536000, immutable';
