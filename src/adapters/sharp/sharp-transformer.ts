import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import { RenderTimeoutError } from '../../application/application-error.js';
import type { RenderedImage, Transformer } from '../../application/ports/transformer.js';
import { ImageTooLargeError, UnsupportedImageError } from '../../domain/domain-error.js';
import { supportsAlpha, supportsAnimation, type InputFormat } from '../../domain/image-format.js';
import type { Gravity, Rgba } from '../../domain/image-request.js';
import type { ImageInfo } from '../../domain/original.js';
import type { RenditionSpec } from '../../domain/rendition.js';
import type { SharpTransformerConfig } from './sharp-transformer-config.js';
import { sniffImageFormat } from './sniff-image-format.js';

/** What the header says, after the allow-list and the pixel limit have been checked. */
interface Header {
  readonly info: ImageInfo;
  /** Whether decoding all frames is meaningful (an animated GIF/WebP); other multi-page inputs render page 0. */
  readonly animatable: boolean;
}

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

/** The decode proof in `probe` renders this small: enough to force every scanline through the decoder. */
const PROBE_THUMBNAIL = 16;

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
 * Untrusted bytes meet a C decoder here, so the order matters: magic bytes against the allow-list
 * first, then the header (without any pixel limit, so that we can count all frames ourselves and
 * refuse a bomb in milliseconds), and only then a decode, bounded by sharp's own pixel limit, its
 * timeout and a JS timer.
 */
export class SharpTransformer implements Transformer {
  private readonly timeoutSeconds: number;

  constructor(private readonly config: SharpTransformerConfig) {
    this.timeoutSeconds = Math.max(1, Math.ceil(config.timeoutMs / 1000));
    // libvips' operation cache keys on the input buffer; a server sees mostly distinct originals, so
    // the cache would mainly pin up to 50 MB of decoded pixels that are never reused.
    sharp.cache(false);
    if (config.concurrency !== undefined) sharp.concurrency(config.concurrency);
  }

  async probe(bytes: Uint8Array): Promise<ImageInfo> {
    const input = asBuffer(bytes);
    const header = await this.readHeader(input);
    await this.bounded(async () => {
      const { width, height } = header.info;
      await this.decoder(input, header.animatable && header.info.pages > 1)
        .resize(Math.min(PROBE_THUMBNAIL, width), Math.min(PROBE_THUMBNAIL, height), { fit: 'fill' })
        .raw()
        .toBuffer();
    });
    return header.info;
  }

  async render(bytes: Uint8Array, spec: RenditionSpec, known?: ImageInfo): Promise<RenderedImage> {
    const input = asBuffer(bytes);
    const header = (known !== undefined && this.knownHeader(input, known)) || (await this.readHeader(input));
    const animated = header.animatable && header.info.pages > 1 && supportsAnimation(spec.format);
    return this.bounded(async () => {
      const pipeline = this.encode(this.resize(this.decoder(input, animated).autoOrient(), spec, animated), spec);
      const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
      return { bytes: data, width: info.width, height: info.pageHeight ?? info.height };
    });
  }

  /**
   * The header as `probe` reported it for these bytes, when their magic bytes agree with it (otherwise `undefined`,
   * and the header is read). Skips `metadata()`; the pixel limit is applied to the known size as to a read one,
   * and the decode keeps sharp's own pixel limit, `failOn` and both timeouts.
   */
  private knownHeader(input: Buffer, known: ImageInfo): Header | undefined {
    const sniffed = sniffImageFormat(input);
    if (sniffed.kind !== 'accepted' || sniffed.format !== known.format) return undefined;
    const animatable = known.format === 'gif' || known.format === 'webp';
    this.checkPixels(known.width, known.height, animatable ? Math.max(1, known.pages) : 1);
    return { animatable, info: known };
  }

  private checkPixels(width: number, frameHeight: number, frames: number): void {
    const pixels = width * frameHeight * frames;
    if (pixels > this.config.maxInputPixels) {
      throw new ImageTooLargeError(
        `the image declares ${pixels} pixels (${width}x${frameHeight}${frames > 1 ? ` x ${frames} frames` : ''}), more than the limit of ${this.config.maxInputPixels}`,
      );
    }
  }

  /** Sniffs, reads the header and applies the pixel limit; decodes nothing. */
  private async readHeader(input: Buffer): Promise<Header> {
    const sniffed = sniffImageFormat(input);
    if (sniffed.kind === 'refused') throw new UnsupportedImageError(`unsupported image format: ${sniffed.description}`);
    const format = sniffed.format;

    let metadata: Metadata;
    try {
      // No pixel limit here: we apply our own, counting every frame, so that the limit error is ours.
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

    const pages = Math.max(1, metadata.pages ?? 1);
    const animatable = format === 'gif' || format === 'webp';
    // GIF/WebP frames may all be decoded (animated output), so all of them count; other multi-page
    // formats (TIFF, HEIF) are only ever read at page 0. Without `animated`, sharp's header describes
    // one frame, and every GIF/WebP frame has the canvas size.
    this.checkPixels(metadata.width, metadata.height, animatable ? pages : 1);

    const displayed = metadata.autoOrient ?? { width: metadata.width, height: metadata.height };
    return {
      animatable,
      info: {
        format,
        width: displayed.width,
        height: displayed.height,
        pages,
        hasAlpha: metadata.hasAlpha,
      },
    };
  }

  private decoder(input: Buffer, animated: boolean): Sharp {
    const options: SharpOptions = {
      limitInputPixels: this.config.maxInputPixels,
      // 'error' rather than sharp's default 'warning': 'warning' also refuses JPEGs over recoverable
      // libjpeg warnings (e.g. "extraneous bytes before marker", common in camera files browsers
      // show fine); truncated and corrupt data still fail at 'error'. No corpus file needs 'warning'.
      failOn: 'error',
      animated,
      sequentialRead: true,
    };
    return sharp(input, options).timeout({ seconds: this.timeoutSeconds });
  }

  private resize(image: Sharp, spec: RenditionSpec, animated: boolean): Sharp {
    const { content, output } = spec.geometry;
    switch (spec.fit) {
      case 'clip':
      case 'cover':
        image.resize(content.width, content.height, { fit: 'fill' });
        break;
      case 'crop':
        image.resize(output.width, output.height, { fit: 'cover', position: cropPosition(spec.gravity, animated) });
        break;
      case 'canvas': {
        const horizontal = output.width - content.width;
        const vertical = output.height - content.height;
        image.resize(content.width, content.height, { fit: 'fill' });
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
        return image.webp({ quality: spec.quality });
      case 'avif':
        return image.avif({ quality: spec.quality, effort: this.config.avifEffort });
      case 'gif':
        return image.gif();
      case 'tiff':
        return image.tiff({ compression: 'lzw', predictor: 'horizontal' });
    }
  }

  /**
   * Runs a decode under both time limits: sharp's (which stops libvips, but only counts while
   * pixels flow) and a JS timer (which frees the caller even if libvips never reports progress).
   * Every foreign failure becomes the port's error, with the original as `cause`.
   */
  private async bounded<T>(work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new RenderTimeoutError(`rendering took longer than ${this.config.timeoutMs} ms`)),
        this.config.timeoutMs,
      );
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (error) {
      if (isPortError(error)) throw error;
      const message = messageOf(error);
      if (message.startsWith('timeout:')) {
        throw new RenderTimeoutError(`rendering took longer than ${this.timeoutSeconds} s`, { cause: error });
      }
      if (message.includes('exceeds pixel limit')) {
        throw new ImageTooLargeError(`the image exceeds the limit of ${this.config.maxInputPixels} pixels`, { cause: error });
      }
      throw new UnsupportedImageError(`the image could not be decoded: ${message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A Buffer view over the same memory: sharp wants a Buffer, and originals can be large. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
