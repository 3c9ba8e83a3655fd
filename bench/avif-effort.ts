/**
 * `npm run bench:avif`: the size/quality/speed table behind the AVIF effort default
 * (docs/adr/0027-avif-default-effort.md). For a few photos of the test corpus, each rendered to fit 512 the way
 * the service renders, it encodes AVIF at quality 50 (the service's default) with every effort 0…MAX_EFFORT, each
 * with full (4:4:4) and half-resolution (4:2:0) chroma, and JPEG q80 and WebP q80 for reference, on one libvips
 * thread (the service's layout, ADR 0009), and reports per encoder: bytes, CPU ms of the whole render (decode,
 * resize, encode; median of REPS renders) and SSIM of luma and of chroma against the resized pixels before
 * encoding.
 *
 * SSIM here is computed in this process from sharp's raw pixels: on luma (BT.601 weights), 8×8 windows at a
 * stride of 4, the usual constants (K1 = 0.01, K2 = 0.03, L = 255), averaged over the windows; DSSIM is
 * 1/SSIM − 1 (the definition the `dssim` tool uses, though that tool works on a multi-scale, colour SSIM, so its
 * numbers are not these). Higher SSIM / lower DSSIM is closer to the source. The chroma column is the mean SSIM of
 * the BT.601 Cb and Cr planes, computed the same way at full resolution: what chroma subsampling gives up.
 *
 * Environment: AVIF_BENCH_REPS (renders per encoder and image, default 5), AVIF_BENCH_MAX_EFFORT (default 6).
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import sharp, { type Sharp } from 'sharp';
import { ROOT } from './lib/bench.js';
import { median } from './lib/load.js';

const CORPUS = path.resolve(ROOT, '../shared/corpus/valid');
const IMAGES = ['sharp--2569067123_aca715a2ee_o.jpg', 'imagor--jpg-24bit-icc-adobe-rgb.jpg', 'sharp--gain-map.jpg'];
const WIDTH = 512;
const REPS = Number(process.env.AVIF_BENCH_REPS ?? 5);
const MAX_EFFORT = Number(process.env.AVIF_BENCH_MAX_EFFORT ?? 6);
/** sharp's AVIF default keeps full-resolution chroma (4:4:4); JPEG q80 and lossy WebP halve it both ways (4:2:0). */
const CHROMA = ['4:4:4', '4:2:0'] as const;

interface Encoder {
  readonly name: string;
  encode(image: Sharp): Sharp;
}

const ENCODERS: readonly Encoder[] = [
  { name: 'JPEG q80', encode: (image) => image.jpeg({ quality: 80, progressive: true, mozjpeg: false }) },
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
  readonly ms: number;
  /** SSIM of luma. */
  readonly ssim: number;
  /** Mean of the SSIMs of Cb and Cr: what chroma subsampling gives up, which luma SSIM does not see. */
  readonly chroma: number;
}

async function measure(input: Buffer, encoder: Encoder, reference: Planes, width: number, height: number): Promise<Result> {
  const times: number[] = [];
  let output = Buffer.alloc(0);
  for (let rep = 0; rep < REPS; rep++) {
    const before = cpuMs();
    output = await encoder.encode(resized(input)).toBuffer();
    times.push(cpuMs() - before);
  }
  const decoded = planes(await rgb(output));
  return {
    bytes: output.length,
    ms: median(times),
    ssim: ssim(reference.y, decoded.y, width, height),
    chroma: (ssim(reference.cb, decoded.cb, width, height) + ssim(reference.cr, decoded.cr, width, height)) / 2,
  };
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
      const result = await measure(input, encoder, reference, source.width, source.height);
      process.stdout.write(
        `${file}  ${encoder.name.padEnd(26)} ${String(result.bytes).padStart(7)} B  ${result.ms.toFixed(1).padStart(7)} CPU ms  SSIM ${result.ssim.toFixed(4)}  chroma ${result.chroma.toFixed(4)}\n`,
      );
      rows.set(encoder.name, [...(rows.get(encoder.name) ?? []), result]);
    }
  }
  const jpeg = rows.get('JPEG q80')!;
  process.stdout.write(`\nMedians over ${IMAGES.length} images (${IMAGES.join(', ')}), each → fit ${WIDTH} wide; ${REPS} renders each, one libvips thread.\n\n`);
  process.stdout.write('| encoder | bytes | ÷ JPEG bytes | CPU ms per render | ÷ JPEG CPU | SSIM (luma) | DSSIM | SSIM (chroma) |\n|---|---|---|---|---|---|---|---|\n');
  for (const [name, results] of rows) {
    const m = (pick: (r: Result, i: number) => number): number => median(results.map(pick));
    const s = m((r) => r.ssim);
    process.stdout.write(
      `| ${name} | ${m((r) => r.bytes).toFixed(0)} | ${m((r, i) => r.bytes / jpeg[i]!.bytes).toFixed(2)} | ${m((r) => r.ms).toFixed(1)} | ${m((r, i) => r.ms / jpeg[i]!.ms).toFixed(2)} | ${s.toFixed(4)} | ${(1 / s - 1).toFixed(4)} | ${m((r) => r.chroma).toFixed(4)} |\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
