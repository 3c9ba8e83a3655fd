// Generated test images (made with sharp at test time, nothing binary in the repository) and
// helpers to read pixels back out of rendered bytes.
import sharp, { type Sharp } from 'sharp';

export type Rgb = readonly [number, number, number];

export const RED: Rgb = [255, 0, 0];
export const GREEN: Rgb = [0, 255, 0];
export const BLUE: Rgb = [0, 0, 255];
export const YELLOW: Rgb = [255, 255, 0];

/** Raw RGBA pixels from a per-pixel function. */
function rawImage(
  width: number,
  height: number,
  pixel: (x: number, y: number) => readonly [number, number, number, number],
  pageHeight?: number,
): Sharp {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      data.set(pixel(x, y), (y * width + x) * 4);
    }
  }
  return sharp(data, { raw: { width, height, channels: 4, ...(pageHeight === undefined ? {} : { pageHeight }) } });
}

export function solidJpeg(width: number, height: number, [r, g, b]: Rgb = [200, 80, 40]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).jpeg({ quality: 90 }).toBuffer();
}

/** A diagonal gradient: enough detail that encoders and resizers do real work. */
export function gradientJpeg(width: number, height: number): Promise<Buffer> {
  return rawImage(width, height, (x, y) => [
    Math.round((255 * x) / Math.max(1, width - 1)),
    Math.round((255 * y) / Math.max(1, height - 1)),
    Math.round((255 * (x + y)) / Math.max(1, width + height - 2)),
    255,
  ])
    .flatten()
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Four coloured quadrants: red top-left, green top-right, blue bottom-left, yellow bottom-right. */
function quadrants(width: number, height: number): Sharp {
  return rawImage(width, height, (x, y) => {
    const [r, g, b] = quadrantColour(x < width / 2, y < height / 2);
    return [r, g, b, 255];
  });
}

export function quadrantColour(left: boolean, top: boolean): Rgb {
  if (top) return left ? RED : GREEN;
  return left ? BLUE : YELLOW;
}

export function quadrantPng(width: number, height: number): Promise<Buffer> {
  return quadrants(width, height).png().toBuffer();
}

/**
 * A JPEG that *displays* as `quadrantPng(width, height)`: the pixels are stored rotated 90°
 * counter-clockwise with EXIF Orientation 6 ("rotate 90° clockwise to display").
 */
export async function exifRotatedJpeg(width: number, height: number): Promise<Buffer> {
  const stored = await quadrants(width, height).rotate(270).png().toBuffer();
  return sharp(stored).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
}

/** A top half and a bottom half in two colours, to see which part a crop keeps. */
export function halvesPng(width: number, height: number, top: Rgb, bottom: Rgb): Promise<Buffer> {
  return rawImage(width, height, (_x, y) => [...(y < height / 2 ? top : bottom), 255]).png().toBuffer();
}

/** Left half fully transparent, right half opaque red. */
export function alphaPng(width: number, height: number): Promise<Buffer> {
  return rawImage(width, height, (x) => (x < width / 2 ? [0, 0, 0, 0] : [255, 0, 0, 255])).png().toBuffer();
}

/** A one-pixel checkerboard: maximal detail, so a blur visibly lowers its contrast. */
export function checkerboardPng(width: number, height: number): Promise<Buffer> {
  return rawImage(width, height, (x, y) => ((x + y) % 2 === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255])).png().toBuffer();
}

/** Deterministic noise as a JPEG: nothing to compress, so each encoder setting (a WebP effort) gives different bytes. */
export function noiseJpeg(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i += 1) raw[i] = Math.imul(i, 2654435761) >>> 24;
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** An animated GIF whose frames cycle through red, green, blue, yellow. */
export function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const colours = [RED, GREEN, BLUE, YELLOW];
  return rawImage(width, height * frames, (_x, y) => [...colours[Math.floor(y / height) % colours.length]!, 255], height)
    .gif({ loop: 0, delay: Array.from({ length: frames }, () => 100) })
    .toBuffer();
}

/** A JPEG carrying EXIF, XMP and a Display P3 ICC profile: everything a rendition must not carry. */
export function jpegWithMetadata(width: number, height: number): Promise<Buffer> {
  return quadrants(width, height)
    .flatten()
    .withIccProfile('p3')
    .withExif({ IFD0: { Copyright: 'secret owner', ImageDescription: 'private description' } })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></x:xmpmeta>')
    .jpeg({ quality: 90 })
    .toBuffer();
}

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** RGBA at (x, y) of the first frame. */
  at(x: number, y: number): readonly [number, number, number, number];
}

/** Decodes rendered bytes (first frame) to RGBA so tests can look at pixels. */
export async function pixelsOf(bytes: Uint8Array): Promise<Pixels> {
  const { data, info } = await sharp(bytes).toColourspace('srgb').ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at(x, y) {
      const offset = (y * info.width + x) * 4;
      return [data[offset]!, data[offset + 1]!, data[offset + 2]!, data[offset + 3]!];
    },
  };
}

/** Largest per-channel difference between a pixel's RGB and a colour. */
export function colourDistance(pixel: readonly number[], [r, g, b]: Rgb): number {
  return Math.max(Math.abs(pixel[0]! - r), Math.abs(pixel[1]! - g), Math.abs(pixel[2]! - b));
}

/** Mean absolute per-channel difference of two images decoded at the same size. */
export async function meanPixelDifference(a: Uint8Array, b: Uint8Array): Promise<number> {
  const [left, right] = await Promise.all(
    [a, b].map((bytes) => sharp(bytes).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true })),
  );
  if (left!.info.width !== right!.info.width || left!.info.height !== right!.info.height) {
    throw new Error(`sizes differ: ${left!.info.width}x${left!.info.height} vs ${right!.info.width}x${right!.info.height}`);
  }
  let total = 0;
  for (let index = 0; index < left!.data.length; index += 1) total += Math.abs(left!.data[index]! - right!.data[index]!);
  return total / left!.data.length;
}
