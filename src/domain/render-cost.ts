import { RenditionTooCostlyError } from './domain-error.js';
import { supportsAnimation, type InputFormat, type OutputFormat } from './image-format.js';
import { decodedFrames, decodedPixels } from './limits.js';
import type { ImageInfo } from './original.js';
import type { RenditionSpec } from './rendition.js';

/**
 * The render cost model (ADR 0014): CPU milliseconds a render takes, estimated from its output pixels × frames ×
 * format (× effort for AVIF and WebP), so that work which cannot finish within the time limit is refused before it
 * starts.
 * libvips' own timeout stops a decode or resize between tiles, but not an AV1, WebP or GIF encode once it runs;
 * only refusing up front keeps the time limit honest.
 *
 * Coefficients: CPU ms per megapixel of output on one libvips thread (the default layout, ADR 0009), measured with
 * sharp 0.35 / libvips 8.18 on the 2-core reference host, decode of a 6 MP JPEG and resize included, rounded up to
 * the highest of the runs at 1 MP and 16.7 MP output.
 */
const MS_PER_MEGAPIXEL: Readonly<Record<Exclude<OutputFormat, 'avif' | 'webp'>, number>> = {
  jpeg: 60,
  png: 70,
  tiff: 60,
  // libimagequant's palette search per frame: an order of magnitude above the other lossless encoders.
  gif: 1400,
};

/** AVIF (aom) by sharp's `effort` 0…9; effort 4 is ~20× effort 1 for ~9 % smaller files. */
const AVIF_MS_PER_MEGAPIXEL: readonly number[] = [100, 150, 460, 620, 3000, 4100, 8500, 11_800, 13_600, 33_300];

/**
 * WebP (libwebp's `method`) by sharp's `effort` 0…6 (ADR 0039): effort 4, libwebp's default, measured as above; the
 * others scaled from it by their measured ratios to effort 4 (`npm run bench:webp`), never below a lower effort's.
 */
const WEBP_MS_PER_MEGAPIXEL: readonly number[] = [80, 80, 90, 130, 130, 170, 300];

/**
 * CPU ms per decoded megapixel of an upload's decode proof (a full decode shrunk to a thumbnail), measured like the
 * coefficients above on noise-textured images of 3 and 50 MP, rounded up. JPEG and WebP shrink while decoding.
 */
const DECODE_MS_PER_MEGAPIXEL: Readonly<Record<InputFormat, number>> = {
  jpeg: 6,
  png: 12,
  webp: 40,
  avif: 100,
  gif: 10,
  tiff: 12,
};

/** Fixed work per frame of an animated output, whatever its size (1000 frames of 1x1 → 64x32 WebP: 1.0 s). */
const MS_PER_FRAME = 2;

/**
 * The share of the time limit an estimate may use. The limit is wall-clock and the host is shared: at a load
 * average of 15 on 2 cores we measured wall times 3–4× the CPU time, and the coefficients are one host's.
 */
export const BUDGET_SHARE = 0.5;

/**
 * AVIF effort default (docs/adr/0027-avif-default-effort.md): effort 0 renders a 2.7 MP photo → 512 in ≈ 0.65× the
 * CPU of effort 1 for ≈ 6 % more bytes at the same SSIM, which puts an AVIF miss at ≥ 0.5× the JPEG miss rate;
 * a maximum-size AVIF (4096×4096) then fits the default budget (15 s × 0.5) with room (≈ 1.7 s by the table above).
 */
export const DEFAULT_AVIF_EFFORT = 0;

/**
 * WebP effort default (docs/adr/0039-webp-effort-setting.md): libwebp's and sharp's own, 4. Effort 2 encodes a photo
 * → 512 in about half the CPU, for about 4 % more bytes *and* a lower SSIM; a cache renders each rendition once and
 * serves it many times.
 */
export const DEFAULT_WEBP_EFFORT = 4;

/** The encoder efforts a render's cost depends on. */
export interface EncoderEfforts {
  /** AVIF encoder effort 0…9 (`render.avifEffort`). */
  readonly avifEffort: number;
  /** WebP encoder effort 0…6 (`render.webpEffort`). */
  readonly webpEffort: number;
}

/** What a render's cost depends on beyond its spec. */
export interface RenderBudget extends EncoderEfforts {
  /** The render time limit (`render.timeoutMs`). */
  readonly timeoutMs: number;
}

export interface RenderWork {
  readonly format: OutputFormat;
  /** Pixels of one output frame. */
  readonly pixels: number;
  readonly frames: number;
}

/** Frames the output carries: all of an animated original's when the output format can animate, else one. */
export function renderedFrames(info: Pick<ImageInfo, 'format' | 'pages'>, format: OutputFormat): number {
  return supportsAnimation(format) ? decodedFrames(info) : 1;
}

/** The coefficient of `effort` in a table by effort, efforts beyond it clamped to its ends. */
function byEffort(table: readonly number[], effort: number): number {
  return table[Math.min(table.length - 1, Math.max(0, Math.round(effort)))]!;
}

function msPerMegapixel(format: OutputFormat, efforts: EncoderEfforts): number {
  if (format === 'avif') return byEffort(AVIF_MS_PER_MEGAPIXEL, efforts.avifEffort);
  if (format === 'webp') return byEffort(WEBP_MS_PER_MEGAPIXEL, efforts.webpEffort);
  return MS_PER_MEGAPIXEL[format];
}

/** Estimated CPU milliseconds for `work`: output pixels × frames × format (× effort), plus a fixed cost per frame. */
export function estimateRenderMs(work: RenderWork, efforts: EncoderEfforts): number {
  const frameOverhead = work.frames > 1 ? work.frames * MS_PER_FRAME : 0;
  return ((work.pixels * work.frames) / 1e6) * msPerMegapixel(work.format, efforts) + frameOverhead;
}

/** Estimated CPU milliseconds to decode all of an original's decoded frames: what its decode proof costs. */
export function estimateDecodeMs(info: Pick<ImageInfo, 'format' | 'width' | 'height' | 'pages'>): number {
  return (decodedPixels(info) / 1e6) * DECODE_MS_PER_MEGAPIXEL[info.format];
}

/** The most output pixels (all frames together) of `format` that fit the budget. */
export function pixelBudget(format: OutputFormat, frames: number, budget: RenderBudget): number {
  const ms = budget.timeoutMs * BUDGET_SHARE - (frames > 1 ? frames * MS_PER_FRAME : 0);
  return Math.max(0, Math.floor((ms / msPerMegapixel(format, budget)) * 1e6));
}

/** The work a spec asks of the transformer for this original. */
export function renderWorkOf(spec: RenditionSpec, info: Pick<ImageInfo, 'format' | 'pages'>): RenderWork {
  const { width, height } = spec.geometry.output;
  return { format: spec.format, pixels: width * height, frames: renderedFrames(info, spec.format) };
}

/**
 * SPEC §6: refuses, before any work starts, a render whose estimate exceeds its share of the time limit, with
 * `RenditionTooCostlyError` (422) naming what would fit. Returns the estimate of an admitted render.
 */
export function checkRenderCost(spec: RenditionSpec, info: Pick<ImageInfo, 'format' | 'pages'>, budget: RenderBudget): number {
  const work = renderWorkOf(spec, info);
  const estimate = estimateRenderMs(work, budget);
  if (estimate <= budget.timeoutMs * BUDGET_SHARE) return estimate;
  const { width, height } = spec.geometry.output;
  const what = work.frames > 1 ? `${width}x${height} x ${work.frames} frames` : `${width}x${height}`;
  const fits = pixelBudget(work.format, work.frames, budget);
  throw new RenditionTooCostlyError(
    `a ${spec.format} rendition of ${what} would take about ${Math.ceil(estimate)} ms, more than the render time limit of ${budget.timeoutMs} ms allows; ` +
      `${fits > 0 ? `at most ${fits} ${work.frames > 1 ? 'pixels across all frames' : 'pixels'} fit` : 'no size fits'}: ask for a smaller size or another format`,
  );
}
