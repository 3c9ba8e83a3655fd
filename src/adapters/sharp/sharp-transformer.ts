import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { RenderTimeoutError } from '../../application/application-error.js';
import type { RenderInput, RenderedImage, Transformer } from '../../application/ports/transformer.js';
import { ImageTooLargeError, UnsupportedImageError } from '../../domain/domain-error.js';
import { focalCrop } from '../../domain/focal-point.js';
import { supportsAlpha, type InputFormat } from '../../domain/image-format.js';
import type { Gravity, Rgba } from '../../domain/image-request.js';
import { decodedFrames } from '../../domain/limits.js';
import type { ImageInfo } from '../../domain/original.js';
import { previewSize, type Pixels } from '../../domain/placeholder.js';
import { renderedFrames } from '../../domain/render-cost.js';
import type { RenditionSpec } from '../../domain/rendition.js';
import type { SharpTransformerConfig } from './sharp-transformer-config.js';
import { jpegShrinkOnLoad } from './jpeg-shrink-on-load.js';
import { SharedDecodes, type DecodedOriginal, type DecodeLease, type SharableFile } from './shared-decodes.js';
import { sniffImageFormat } from './sniff-image-format.js';

/** sharp's `metadata().format` for each accepted input: AVIF is read by the HEIF loader. */
const SHARP_INPUT_FORMAT: Readonly<Record<InputFormat, string>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'heif',
  gif: 'gif',
  tiff: 'tiff',
};

const POSITIONS: Readonly<Record<Exclude<Gravity, 'entropy' | 'attention'>, string>> = {
  center: 'centre',
  north: 'top',
  northeast: 'right top',
  east: 'right',
  southeast: 'right bottom',
  south: 'bottom',
  southwest: 'left bottom',
  west: 'left',
  northwest: 'left top',
};

/**
 * AVIF chroma as libvips chooses it when left to itself (and so as imgproxy and imagor encode): half-resolution
 * chroma (4:2:0, like JPEG and lossy WebP) below quality 90, full (4:4:4) from 90 up. sharp's own default is
 * always 4:4:4, which costs about 10 % more CPU and 3-6 % more bytes at quality 50 (ADR 0027).
 */
export function avifChroma(quality: number | undefined): '4:2:0' | '4:4:4' {
  return quality !== undefined && quality >= 90 ? '4:4:4' : '4:2:0';
}

function cropPosition(gravity: Gravity, animated: boolean): string | number {
  // libvips' smart crop works on one frame ("not supported for multi-page images"); an animation
  // is cropped at the centre rather than refused.
  if (gravity === 'entropy') return animated ? POSITIONS.center : sharp.strategy.entropy;
  if (gravity === 'attention') return animated ? POSITIONS.center : sharp.strategy.attention;
  return POSITIONS[gravity];
}

function colour(bg: Rgba, keepAlpha: boolean): { r: number; g: number; b: number; alpha: number } {
  return { r: bg.r, g: bg.g, b: bg.b, alpha: keepAlpha ? bg.alpha / 255 : 1 };
}

/** The first line only: libvips appends one line per failed tile or seek, which adds nothing. */
function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0]!;
}

function isPortError(error: unknown): boolean {
  return error instanceof UnsupportedImageError || error instanceof ImageTooLargeError || error instanceof RenderTimeoutError;
}

/**
 * The `Transformer` port on sharp/libvips.
 *
 * Untrusted bytes meet a C decoder here, so the order matters: magic bytes against the allow-list first, then the
 * header (which the application checks against its limits before asking for a decode), and only then a decode,
 * bounded by sharp's pixel limit set to exactly what that header declared (a file that lies in its header cannot
 * make libvips allocate more) and by libvips' own timeout.
 */
export class SharpTransformer implements Transformer {
  /** Renders so far that used a decode shared with other renders (ADR 0037). */
  sharedRenders = 0;
  private readonly timeoutSeconds: number;
  private readonly shared: SharedDecodes;

  constructor(private readonly config: SharpTransformerConfig) {
    this.timeoutSeconds = Math.max(1, Math.ceil(config.timeoutMs / 1000));
    this.shared = new SharedDecodes(config.sharedDecodeBytes ?? 0);
    // libvips' operation cache keys on the input buffer; a server sees mostly distinct originals, so
    // the cache would mainly pin up to 50 MB of decoded pixels that are never reused.
    sharp.cache(false);
    if (config.concurrency !== undefined) sharp.concurrency(config.concurrency);
  }

  /**
   * One decode for both jobs: reducing the image to its preview forces every scanline of every frame through the
   * decoder (the proof), and the preview is what placeholders are computed from.
   */
  async verify(bytes: Uint8Array, info: ImageInfo): Promise<Pixels> {
    const input = this.matching(asBuffer(bytes), info);
    const frames = decodedFrames(info);
    const { width, height } = previewSize(info);
    return this.bounded(async () => {
      const data = await this.decoder(input, info, frames)
        .autoOrient()
        .resize(width, height, { fit: 'fill' })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw()
        .toBuffer();
      // An animation's frames come stacked one below the other: the first is the poster a page shows.
      return { width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, width * height * 4) };
    });
  }

  async render(original: RenderInput, spec: RenditionSpec, info: ImageInfo): Promise<RenderedImage> {
    const input = this.source(original, info);
    const frames = renderedFrames(info, spec.format);
    const animated = frames > 1;
    return this.bounded(async () => {
      const shared = typeof input === 'string' ? await this.sharedDecode(input, spec, info) : undefined;
      try {
        const image = shared === undefined ? this.decoder(input, info, frames).autoOrient() : this.fromDecoded(shared.decoded);
        const pipeline = this.encode(this.resize(image, spec, animated, turnOf(shared?.decoded.orientation)), spec);
        const { data, info: out } = await pipeline.toBuffer({ resolveWithObject: true });
        if (shared !== undefined) this.sharedRenders += 1;
        return { bytes: data, width: out.width, height: out.pageHeight ?? out.height };
      } finally {
        // libvips has stopped reading the pixels once the pipeline's promise settled (ADR 0014).
        shared?.release();
      }
    });
  }

  /**
   * A decode of the original's file that other renders of it share (ADR 0037), where one can stand for the render's
   * own: a JPEG that libjpeg scales while decoding, with the same factor sharp would choose for this render, and
   * nothing sharp would do to it before the resize (no ICC profile, three sRGB channels, no EXIF mirroring). An EXIF
   * rotation (orientation 3, 6 or 8) sharp applies after the resize, which a render from the shared decode replays
   * (`fill`), except where a crop comes between (fit crop), which such a render decodes for itself.
   */
  private async sharedDecode(file: string, spec: RenditionSpec, info: ImageInfo): Promise<DecodeLease | undefined> {
    // PNG is the one output that records the pixel density, which raw pixels do not carry (pHYs: the JPEG's 72 dpi
    // would become libvips' default of 25.4).
    if (info.format !== 'jpeg' || spec.format === 'png') return undefined;
    const target = resizeTarget(spec);
    const factor = jpegShrinkOnLoad(info.width, info.height, target.width, target.height);
    if (factor === 1) return undefined;
    const bytes = Math.ceil(info.width / factor) * Math.ceil(info.height / factor) * 3;
    return this.shared.lease(
      file,
      factor,
      bytes,
      async ({ orientation }) => this.decodeScaled(file, factor, info, orientation),
      async () => sharableJpeg(file),
      ({ orientation }) => spec.fit !== 'crop' || turnOf(orientation) === 0,
    );
  }

  /**
   * The file decoded by libjpeg at `factor`, exactly what sharp's pipeline decodes for a resize with that factor,
   * with the orientation its header gave (`sharableJpeg`), which the renders from it apply.
   */
  private async decodeScaled(file: string, factor: number, info: ImageInfo, orientation: number): Promise<DecodedOriginal> {
    // libvips reads loader options from a `[…]` suffix of the file name; a stored original's name is its content hash.
    const decoder = sharp(`${file}[shrink=${factor}]`, { limitInputPixels: info.width * info.height, failOn: 'error', sequentialRead: true });
    const { data, info: out } = await decoder.timeout({ seconds: this.timeoutSeconds }).raw().toBuffer({ resolveWithObject: true });
    return { pixels: data, width: out.width, height: out.height, channels: out.channels, orientation };
  }

  private fromDecoded({ pixels, width, height, channels }: DecodedOriginal): Sharp {
    return sharp(pixels, { raw: { width, height, channels }, limitInputPixels: width * height }).timeout({ seconds: this.timeoutSeconds });
  }

  /**
   * What sharp decodes: the bytes, or the file's path, so that libvips reads the file in pieces instead of a copy held
   * for the whole render (ADR 0036; the same decoder either way). Refused when the magic bytes (a file's head)
   * disagree with the header read earlier.
   */
  private source(original: RenderInput, info: ImageInfo): Buffer | string {
    if (original instanceof Uint8Array) return this.matching(asBuffer(original), info);
    this.matching(original.head, info);
    return original.path;
  }

  /** The bytes, when their magic bytes agree with the header read from them earlier; refused otherwise. */
  private matching<T extends Uint8Array>(input: T, info: ImageInfo): T {
    const sniffed = sniffImageFormat(input);
    if (sniffed.kind === 'refused') throw new UnsupportedImageError(`unsupported image format: ${sniffed.description}`);
    if (sniffed.format !== info.format) {
      throw new UnsupportedImageError(`the bytes are ${sniffed.format}, but the original was recorded as ${info.format}`);
    }
    return input;
  }

  /** Sniffs and reads the header; decodes nothing and applies no limit (the application does, from what this returns). */
  async inspect(bytes: Uint8Array): Promise<ImageInfo> {
    const input = asBuffer(bytes);
    const sniffed = sniffImageFormat(input);
    if (sniffed.kind === 'refused') throw new UnsupportedImageError(`unsupported image format: ${sniffed.description}`);
    const format = sniffed.format;

    let metadata: Metadata;
    try {
      // No pixel limit here: the application applies its own to what we report, counting every frame.
      metadata = await sharp(input, { limitInputPixels: false, failOn: 'error' }).metadata();
    } catch (error) {
      throw new UnsupportedImageError(`the ${format} header could not be read: ${messageOf(error)}`, { cause: error });
    }
    if (metadata.format !== SHARP_INPUT_FORMAT[format]) {
      throw new UnsupportedImageError(`the file starts like ${format} but decodes as ${metadata.format}`);
    }
    if (format === 'avif' && metadata.compression !== 'av1') {
      throw new UnsupportedImageError(`unsupported image format: HEIF with ${metadata.compression ?? 'unknown'} compression`);
    }
    // Without `animated`, sharp's header describes one frame, and every GIF/WebP frame has the canvas size.
    const displayed = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
    return {
      format,
      width: displayed.width,
      height: displayed.height,
      pages: Math.max(1, metadata.pages ?? 1),
      hasAlpha: metadata.hasAlpha,
    };
  }

  /** A decoder of `frames` frames that may allocate no more pixels than the checked header declared for them. */
  private decoder(input: Buffer | string, info: ImageInfo, frames: number): Sharp {
    const animated = frames > 1;
    const options: SharpOptions = {
      limitInputPixels: info.width * info.height * frames,
      // 'error' rather than sharp's default 'warning': 'warning' also refuses JPEGs over recoverable
      // libjpeg warnings (e.g. "extraneous bytes before marker", common in camera files browsers
      // show fine); truncated and corrupt data still fail at 'error'. No corpus file needs 'warning'.
      failOn: 'error',
      animated,
      sequentialRead: true,
    };
    return sharp(input, options).timeout({ seconds: this.timeoutSeconds });
  }

  /**
   * The sizes given to `resize` here are `resizeTarget`'s, which a shared decode's factor is computed from. `turn`: the
   * EXIF rotation a shared decode still needs (0 for every other render, and for every crop).
   */
  private resize(image: Sharp, spec: RenditionSpec, animated: boolean, turn: QuarterTurn): Sharp {
    const { content, output } = spec.geometry;
    switch (spec.fit) {
      case 'clip':
      case 'cover':
        fill(image, content, turn);
        break;
      case 'crop':
        if (spec.focus === undefined) {
          image.resize(output.width, output.height, { fit: 'cover', position: cropPosition(spec.gravity, animated) });
          break;
        }
        // The domain places the window around the focal point; sharp's positions only know edges and centres.
        image.resize(content.width, content.height, { fit: 'fill' });
        image.extract({ ...focalCrop(content, output, spec.focus), width: output.width, height: output.height });
        break;
      case 'canvas': {
        const horizontal = output.width - content.width;
        const vertical = output.height - content.height;
        fill(image, content, turn);
        if (horizontal > 0 || vertical > 0) {
          image.extend({
            left: Math.floor(horizontal / 2),
            right: horizontal - Math.floor(horizontal / 2),
            top: Math.floor(vertical / 2),
            bottom: vertical - Math.floor(vertical / 2),
            background: colour(spec.bg, supportsAlpha(spec.format)),
          });
        }
        break;
      }
    }
    if (spec.blur !== undefined) image.blur(spec.blur);
    return image;
  }

  private encode(image: Sharp, spec: RenditionSpec): Sharp {
    // sharp already converts embedded ICC profiles (Adobe RGB, P3, CMYK, …) to sRGB and strips all
    // metadata unless asked to keep it; the explicit sRGB also turns 16-bit input into 8-bit output.
    image.toColourspace('srgb');
    if (!supportsAlpha(spec.format)) image.flatten({ background: colour(spec.bg, false) });
    switch (spec.format) {
      case 'jpeg':
        // mozjpeg's trellis quantisation is several times slower for a few percent; plain libjpeg-turbo.
        return image.jpeg({ quality: spec.quality, progressive: true, mozjpeg: false });
      case 'png':
        // Level 6 without adaptive filtering: most of level 9's size for a fraction of its CPU.
        return image.png({ compressionLevel: 6, adaptiveFiltering: false });
      case 'webp':
        return image.webp({ quality: spec.quality, effort: this.config.webpEffort });
      case 'avif':
        return image.avif({ quality: spec.quality, effort: this.config.avifEffort, chromaSubsampling: avifChroma(spec.quality) });
      case 'gif':
        return image.gif();
      case 'tiff':
        return image.tiff({ compression: 'lzw', predictor: 'horizontal' });
    }
  }

  /**
   * Runs a decode under libvips' own time limit, which stops the pipeline between tiles. There is deliberately no
   * JavaScript timer racing it: the promise must settle only when libvips has really stopped, because the render
   * slot that the caller holds is released then (ADR 0014). Every foreign failure becomes the port's error, with
   * the original as `cause`.
   */
  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isPortError(error)) throw error;
      const message = messageOf(error);
      if (message.startsWith('timeout:')) {
        throw new RenderTimeoutError(`rendering took longer than ${this.timeoutSeconds} s`, { cause: error });
      }
      if (message.includes('exceeds pixel limit')) {
        throw new ImageTooLargeError('the image decodes to more pixels than its header declares', { cause: error });
      }
      throw new UnsupportedImageError(`the image could not be decoded: ${message}`, { cause: error });
    }
  }
}

/** The size `SharpTransformer.resize` asks sharp for: the output for a crop at a gravity, the content otherwise. */
function resizeTarget(spec: RenditionSpec): { readonly width: number; readonly height: number } {
  return spec.fit === 'crop' && spec.focus === undefined ? spec.geometry.output : spec.geometry.content;
}

/**
 * The JPEG's orientation when sharp would do nothing to its decoded pixels before resizing them but a quarter turn
 * (no mirroring, no colour conversion); `undefined` when its decode cannot be shared.
 */
async function sharableJpeg(file: string): Promise<SharableFile | undefined> {
  try {
    const header = await sharp(file, { limitInputPixels: false }).metadata();
    const orientation = header.orientation ?? 1;
    const turns = QUARTER_TURNS[orientation] !== undefined;
    const plain = header.format === 'jpeg' && turns && header.icc === undefined && header.channels === 3 && header.space === 'srgb';
    return plain ? { orientation } : undefined;
  } catch {
    // The render's own decode reports what is wrong with the file.
    return undefined;
  }
}

type QuarterTurn = 0 | 90 | 180 | 270;

/** The EXIF orientations that only rotate (by sharp's own mapping); the mirrored ones (2, 4, 5, 7) are not shared. */
const QUARTER_TURNS: Readonly<Partial<Record<number, QuarterTurn>>> = { 1: 0, 3: 180, 6: 90, 8: 270 };

const turnOf = (orientation: number | undefined): QuarterTurn => QUARTER_TURNS[orientation ?? 1] ?? 0;

/**
 * Resizes to `size` as displayed. A shared decode of a rotated original is turned after the resize, where sharp's
 * autoOrient turns it (src/pipeline.cc, "Auto-rotate post-extract"), and resized to the swapped size first, as sharp
 * swaps its target for a quarter turn. `rotate` is called after `resize` so that sharp keeps it after the resize.
 */
function fill(image: Sharp, size: { readonly width: number; readonly height: number }, turn: QuarterTurn): void {
  const sideways = turn === 90 || turn === 270;
  image.resize(sideways ? size.height : size.width, sideways ? size.width : size.height, { fit: 'fill' });
  if (turn !== 0) image.rotate(turn);
}

/** A Buffer view over the same memory: sharp wants a Buffer, and originals can be large. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
