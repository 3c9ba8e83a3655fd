/**
 * `npm run bench:avif` and `npm run bench:webp`: the size/quality/speed tables behind the AVIF effort default
 * (docs/adr/0027-avif-default-effort.md) and the WebP effort setting (docs/adr/0039-webp-effort-setting.md). For a few
 * photos of the test corpus, each rendered to fit 512 the way the service renders, it encodes the format at the
 * service's default quality (AVIF q50, WebP q80) with every effort 0…MAX_EFFORT (AVIF each with full (4:4:4) and
 * half-resolution (4:2:0) chroma), and JPEG q80 (and WebP q80 at its default effort, for AVIF) for reference, on one
 * libvips thread (the service's layout, ADR 0009), and reports per encoder: bytes, CPU ms of the whole render
 * (decode, resize, encode; median of REPS renders), CPU ms of the encode alone (from the resized pixels, what a render
 * from a shared decode mostly spends, ADR 0037) and SSIM of luma and of chroma against the resized pixels before
 * encoding.
 *
 * SSIM here is computed in this process from sharp's raw pixels: on luma (BT.601 weights), 8×8 windows at a
 * stride of 4, the usual constants (K1 = 0.01, K2 = 0.03, L = 255), averaged over the windows; DSSIM is
 * 1/SSIM − 1 (the definition the `dssim` tool uses, though that tool works on a multi-scale, colour SSIM, so its
 * numbers are not these). Higher SSIM / lower DSSIM is closer to the source. The chroma column is the mean SSIM of
 * the BT.601 Cb and Cr planes, computed the same way at full resolution: what chroma subsampling gives up.
 *
 * For WebP it then prints the render cost model's coefficients by effort (src/domain/render-cost.ts): CPU ms per
 * megapixel of output of the first photo (6 MP) rendered to 1 MP and to 16.7 MP, decode and resize included.
 *
 * Environment: EFFORT_BENCH_REPS (renders per encoder and image, default 5; AVIF_BENCH_REPS is read too),
 * AVIF_BENCH_MAX_EFFORT (default 6).
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { ROOT } from './lib/bench.js';
import { median } from './lib/load.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus/valid');
const IMAGES = ['sharp--2569067123_aca715a2ee_o.jpg', 'imagor--jpg-24bit-icc-adobe-rgb.jpg', 'sharp--gain-map.jpg'];
const WIDTH = 512;
const REPS = Number(process.env.EFFORT_BENCH_REPS ?? process.env.AVIF_BENCH_REPS ?? 5);
const FORMAT = process.argv[2] === 'webp' ? 'webp' : 'avif';
const MAX_EFFORT = FORMAT === 'webp' ? 6 : Number(process.env.AVIF_BENCH_MAX_EFFORT ?? 6);
/** sharp's AVIF default keeps full-resolution chroma (4:4:4); JPEG q80 and lossy WebP halve it both ways (4:2:0). */
const CHROMA = ['4:4:4', '4:2:0'] as const;

interface Encoder {
  readonly name: string;
  encode(image: Sharp): Sharp;
}

const JPEG: Encoder = { name: 'JPEG q80', encode: (image) => image.jpeg({ quality: 80, progressive: true, mozjpeg: false }) };

const webpAt = (effort: number): Encoder => ({ name: `WebP q80 effort ${effort}`, encode: (image) => image.webp({ quality: 80, effort }) });

const ENCODERS: readonly Encoder[] =
  FORMAT === 'webp'
    ? [JPEG, ...Array.from({ length: MAX_EFFORT + 1 }, (_, effort) => webpAt(effort))]
    : [
        JPEG,
        { name: 'WebP q80', encode: (image) => image.webp({ quality: 80 }) },
        ...Array.from({ length: MAX_EFFORT + 1 }, (_, effort) =>
          CHROMA.map((chromaSubsampling) => ({
            name: `AVIF q50 effort ${effort} ${chromaSubsampling}`,
            encode: (image: Sharp) => image.avif({ quality: 50, effort, chromaSubsampling }),
          })),
        ).flat(),
      ];

/** The service's pipeline up to the encoder (SharpTransformer.render for a plain fit). */
const resized = (input: Buffer): Sharp => sharp(input, { failOn: 'error', sequentialRead: true }).autoOrient().resize(WIDTH).toColourspace('srgb');

async function rgb(input: Buffer | Sharp): Promise<{ data: Buffer; width: number; height: number }> {
  const image = Buffer.isBuffer(input) ? sharp(input) : input;
  const { data, info } = await image.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

interface Planes {
  readonly y: Float64Array;
  readonly cb: Float64Array;
  readonly cr: Float64Array;
}

/** BT.601 full-range Y, Cb and Cr of 8-bit sRGB pixels, each at full resolution. */
function planes(image: { data: Buffer; width: number; height: number }): Planes {
  const n = image.width * image.height;
  const y = new Float64Array(n), cb = new Float64Array(n), cr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = image.data[3 * i]!, g = image.data[3 * i + 1]!, b = image.data[3 * i + 2]!;
    y[i] = 0.299 * r + 0.587 * g + 0.114 * b;
    cb[i] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    cr[i] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  }
  return { y, cb, cr };
}

/** Mean SSIM of two same-sized luma planes over 8×8 windows at a stride of 4. */
export function ssim(a: Float64Array, b: Float64Array, width: number, height: number): number {
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  let windows = 0;
  for (let y = 0; y + 8 <= height; y += 4) {
    for (let x = 0; x + 8 <= width; x += 4) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let dy = 0; dy < 8; dy++) {
        for (let dx = 0; dx < 8; dx++) {
          const i = (y + dy) * width + x + dx;
          const va = a[i]!, vb = b[i]!;
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const n = 64;
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
      sum += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      windows++;
    }
  }
  return sum / windows;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface Result {
  readonly bytes: number;
  /** CPU ms of the whole render: decode, resize, encode. */
  readonly ms: number;
  /** CPU ms of the encode alone, from the resized pixels. */
  readonly encodeMs: number;
  /** SSIM of luma. */
  readonly ssim: number;
  /** Mean of the SSIMs of Cb and Cr: what chroma subsampling gives up, which luma SSIM does not see. */
  readonly chroma: number;
}

/** Median CPU ms of REPS runs of `work`, and its last result. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let rep = 0; rep < REPS; rep++) {
    const before = cpuMs();
    result = await work();
    times.push(cpuMs() - before);
  }
  return { ms: median(times), result: result! };
}

async function measure(input: Buffer, encoder: Encoder, source: { data: Buffer; width: number; height: number }, reference: Planes): Promise<Result> {
  const { width, height } = source;
  const render = await timed(() => encoder.encode(resized(input)).toBuffer());
  const encode = await timed(() => encoder.encode(sharp(source.data, { raw: { width, height, channels: 3 } })).toBuffer());
  const decoded = planes(await rgb(render.result));
  return {
    bytes: render.result.length,
    ms: render.ms,
    encodeMs: encode.ms,
    ssim: ssim(reference.y, decoded.y, width, height),
    chroma: (ssim(reference.cb, decoded.cb, width, height) + ssim(reference.cr, decoded.cr, width, height)) / 2,
  };
}

/** Output sizes of the cost model's coefficients: about 1 MP and 16.7 MP (4096 × 4096) of output. */
const COEFFICIENT_MEGAPIXELS = [1, 16.7];

/**
 * CPU ms per megapixel of output for each encoder, rendering `input` (decode, resize, encode, as the service does)
 * to each of COEFFICIENT_MEGAPIXELS; the cost model takes the highest of the sizes, rounded up.
 */
async function coefficients(input: Buffer, encoders: readonly Encoder[]): Promise<void> {
  const { width = 0, height = 0 } = await sharp(input).metadata();
  process.stdout.write(`\nCPU ms per megapixel of output, ${width}×${height} JPEG → ${COEFFICIENT_MEGAPIXELS.join(' and ')} MP (median of ${REPS}), one libvips thread:\n\n`);
  process.stdout.write(`| encoder | ${COEFFICIENT_MEGAPIXELS.map((mp) => `${mp} MP`).join(' | ')} | highest |\n|---|${COEFFICIENT_MEGAPIXELS.map(() => '---|').join('')}---|\n`);
  for (const encoder of encoders) {
    const perMegapixel: number[] = [];
    for (const megapixels of COEFFICIENT_MEGAPIXELS) {
      const outWidth = Math.round(Math.sqrt((megapixels * 1e6 * width) / height));
      const render = await timed(() =>
        encoder.encode(sharp(input, { failOn: 'error', sequentialRead: true, limitInputPixels: false }).autoOrient().resize(outWidth).toColourspace('srgb')).toBuffer({ resolveWithObject: true }),
      );
      perMegapixel.push(render.ms / ((render.result.info.width * render.result.info.height) / 1e6));
    }
    process.stdout.write(`| ${encoder.name} | ${perMegapixel.map((ms) => ms.toFixed(0)).join(' | ')} | ${Math.max(...perMegapixel).toFixed(0)} |\n`);
  }
}

async function main(): Promise<void> {
  sharp.cache(false);
  sharp.concurrency(1);
  const rows = new Map<string, Result[]>();
  for (const file of IMAGES) {
    const input = readFileSync(path.join(CORPUS, file));
    const source = await rgb(resized(input));
    const reference = planes(source);
    for (const encoder of ENCODERS) {
      const result = await measure(input, encoder, source, reference);
      process.stdout.write(
        `${file}  ${encoder.name.padEnd(26)} ${String(result.bytes).padStart(7)} B  ${result.ms.toFixed(1).padStart(7)} CPU ms  encode ${result.encodeMs.toFixed(1).padStart(7)} ms  SSIM ${result.ssim.toFixed(4)}  chroma ${result.chroma.toFixed(4)}\n`,
      );
      rows.set(encoder.name, [...(rows.get(encoder.name) ?? []), result]);
    }
  }
  const jpeg = rows.get('JPEG q80')!;
  process.stdout.write(`\nMedians over ${IMAGES.length} images (${IMAGES.join(', ')}), each → fit ${WIDTH} wide; ${REPS} renders each, one libvips thread.\n\n`);
  process.stdout.write(
    '| encoder | bytes | ÷ JPEG bytes | CPU ms per render | ÷ JPEG CPU | CPU ms of the encode alone | SSIM (luma) | DSSIM | SSIM (chroma) |\n|---|---|---|---|---|---|---|---|---|\n',
  );
  for (const [name, results] of rows) {
    const m = (pick: (r: Result, i: number) => number): number => median(results.map(pick));
    const s = m((r) => r.ssim);
    process.stdout.write(
      `| ${name} | ${m((r) => r.bytes).toFixed(0)} | ${m((r, i) => r.bytes / jpeg[i]!.bytes).toFixed(2)} | ${m((r) => r.ms).toFixed(1)} | ${m((r, i) => r.ms / jpeg[i]!.ms).toFixed(2)} | ${m((r) => r.encodeMs).toFixed(1)} | ${s.toFixed(4)} | ${(1 / s - 1).toFixed(4)} | ${m((r) => r.chroma).toFixed(4)} |\n`,
    );
  }
  if (FORMAT === 'webp') await coefficients(readFileSync(path.join(CORPUS, IMAGES[0]!)), ENCODERS.filter((encoder) => encoder !== JPEG));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
