import type { OutputFormat } from './image-format.js';
import type { ImageRequest } from './image-request.js';
import type { Limits } from './limits.js';
import { computeGeometry, type Size } from './scaling.js';

/** How the output format may be negotiated from the client's `Accept` header (SPEC §2 "Content negotiation"). */
export interface NegotiationPolicy {
  /** Negotiate for every request, not only those that say `?auto=format`. */
  readonly negotiate: boolean;
  /** Above this many output pixels, negotiation picks WebP over AVIF: AVIF encodes an order of magnitude slower. */
  readonly avifMaxPixels: number;
  /**
   * Above this many output pixels (of one frame) negotiation does not pick WebP either, but keeps the requested
   * format: a WebP the render cost model would refuse, where the requested format would render.
   */
  readonly webpMaxPixels: number;
  readonly limits: Limits;
  readonly allowUpscale: boolean;
}

export interface FormatChoice {
  readonly format: OutputFormat;
  /** True when `Accept` decided (even if it kept the requested format): the response must say `Vary: Accept`. */
  readonly negotiated: boolean;
}

/**
 * The format a request is rendered to. Only JPEG and PNG requests are negotiated: a client that names WebP,
 * AVIF, GIF or TIFF gets exactly that. `accepts` holds the formats the `Accept` header allows explicitly.
 */
export function chooseOutputFormat(
  request: ImageRequest,
  original: Size,
  accepts: ReadonlySet<OutputFormat>,
  policy: NegotiationPolicy,
): FormatChoice {
  const negotiable = request.format === 'jpeg' || request.format === 'png';
  if (!negotiable || !(request.autoFormat || policy.negotiate)) return { format: request.format, negotiated: false };
  // The output's real size: a `0` side follows the aspect ratio, it does not take the original's full side.
  const { output } = computeGeometry(original, request.box(), request.fit, policy.limits, policy.allowUpscale);
  const pixels = output.width * output.height;
  if (accepts.has('avif') && pixels <= policy.avifMaxPixels) return { format: 'avif', negotiated: true };
  if (accepts.has('webp') && pixels <= policy.webpMaxPixels) return { format: 'webp', negotiated: true };
  return { format: request.format, negotiated: true };
}
