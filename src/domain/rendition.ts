import { createHash } from 'node:crypto';
import { contentTypeOf, isLossy, type OutputFormat } from './image-format.js';
import { formatColour, type Gravity, type ImageRequest, type Rgba } from './image-request.js';
import type { Limits } from './limits.js';
import { renditionObjectKey } from './object-key.js';
import type { OriginalKey, OriginalMetadata } from './original.js';
import { computeGeometry, type Box, type Fit, type Geometry } from './scaling.js';

/** Render settings that come from configuration rather than the URL. */
export interface RenderDefaults {
  readonly quality: Readonly<Record<OutputFormat, number>>;
  readonly blurSigma: number;
  readonly allowUpscale: boolean;
}

/**
 * Everything a render needs, fully resolved: box in device pixels, the configured defaults filled in,
 * and the output geometry computed from the original's size. Two requests that resolve to the same
 * spec produce the same bytes, so the spec is the rendition's identity.
 */
export interface RenditionSpec {
  readonly box: Box;
  readonly fit: Fit;
  readonly gravity: Gravity;
  readonly format: OutputFormat;
  /** Undefined for lossless formats. */
  readonly quality: number | undefined;
  /** Gaussian sigma; undefined = no blur. */
  readonly blur: number | undefined;
  readonly bg: Rgba;
  readonly allowUpscale: boolean;
  readonly geometry: Geometry;
}

export function resolveSpec(
  request: ImageRequest,
  format: OutputFormat,
  original: Pick<OriginalMetadata, 'width' | 'height'>,
  defaults: RenderDefaults,
  limits: Limits,
): RenditionSpec {
  const box = request.box();
  return {
    box,
    fit: request.fit,
    gravity: request.gravity,
    format,
    quality: isLossy(format) ? (request.quality ?? defaults.quality[format]) : undefined,
    blur: request.blur === 'default' ? defaults.blurSigma : request.blur,
    bg: request.bg,
    allowUpscale: defaults.allowUpscale,
    geometry: computeGeometry(original, box, request.fit, limits, defaults.allowUpscale),
  };
}

/** A canonical, order-fixed text of the spec's identity-bearing fields. */
export function canonicalSpec(spec: RenditionSpec): string {
  return [
    `box=${spec.box.width}x${spec.box.height}`,
    `fit=${spec.fit}`,
    `gravity=${spec.gravity}`,
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
  private constructor(
    readonly original: OriginalKey,
    readonly spec: RenditionSpec,
    /** 32 hex chars of SHA-256 over the canonical spec: short keys, collisions out of reach. */
    readonly fingerprint: string,
  ) {
    Object.freeze(this);
  }

  static of(original: OriginalKey, spec: RenditionSpec): Rendition {
    const fingerprint = createHash('sha256').update(canonicalSpec(spec)).digest('hex').slice(0, 32);
    return new Rendition({ id: original.id, version: original.version }, spec, fingerprint);
  }

  /** `{id}/{version[0..16]}/{fingerprint}.{ext}`. */
  get key(): string {
    return renditionObjectKey(this.original, this.fingerprint, this.spec.format);
  }

  get contentType(): string {
    return contentTypeOf(this.spec.format);
  }

  /** A strong validator: the same key always names the same bytes (same original version, same spec). */
  get etag(): string {
    return `"${this.original.version.slice(0, 16)}-${this.fingerprint}"`;
  }
}

/**
 * How long anyone may keep a rendition: a rendition key names one original version and one canonical
 * spec, so its bytes never change, and browsers and CDNs may keep it for a year without revalidating.
 * Sent on every rendition answer and stored as object metadata where a bucket serves renditions itself.
 */
export const RENDITION_CACHE_CONTROL = 'public, max-age=31536000, immutable';
