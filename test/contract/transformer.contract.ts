import { expect } from 'chai';
import sharp from 'sharp';
import { RenderTimeoutError } from '../../src/application/application-error.js';
import type { RenderedImage, Transformer } from '../../src/application/ports/transformer.js';
import { ImageTooLargeError, UnsupportedImageError } from '../../src/domain/domain-error.js';
import type { FocalPoint } from '../../src/domain/focal-point.js';
import { OUTPUT_FORMATS, isLossy, type OutputFormat } from '../../src/domain/image-format.js';
import { WHITE, type Gravity, type Rgba } from '../../src/domain/image-request.js';
import { DEFAULT_LIMITS } from '../../src/domain/limits.js';
import type { ImageInfo } from '../../src/domain/original.js';
import type { RenditionSpec } from '../../src/domain/rendition.js';
import { computeGeometry, FITS, type Box, type Fit, type Size } from '../../src/domain/scaling.js';
import {
  alphaPng,
  animatedGif,
  BLUE,
  checkerboardPng,
  colourDistance,
  exifRotatedJpeg,
  gradientJpeg,
  halvesPng,
  jpegWithMetadata,
  pixelsOf,
  quadrantColour,
  quadrantPng,
  RED,
  solidJpeg,
  type Rgb,
} from '../support/image-fixtures.js';

/** What a contract run configures its subject with (the size limits are the application's, not the transformer's). */
export interface TransformerSettings {
  readonly timeoutMs: number;
}

/** Builds a transformer configured with the given settings. */
export type MakeTransformer = (settings: TransformerSettings) => Promise<Transformer>;

const SETTINGS: TransformerSettings = { timeoutMs: 15_000 };

/** An upload's path through the port: the header, then the decode proof against it. */
async function probe(transformer: Transformer, bytes: Uint8Array): Promise<ImageInfo> {
  const info = await transformer.inspect(bytes);
  await transformer.verify(bytes, info);
  return info;
}

/** A render as the application asks for it: with the header `inspect` read from the same bytes. */
async function render(transformer: Transformer, bytes: Uint8Array, spec: RenditionSpec): Promise<RenderedImage> {
  return transformer.render(bytes, spec, await transformer.inspect(bytes));
}

/** sharp's `metadata().format` for each output format (AVIF is a HEIF container). */
const DECODED_AS: Readonly<Record<OutputFormat, string>> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'heif',
  gif: 'gif',
  tiff: 'tiff',
};

export interface SpecOptions {
  readonly fit?: Fit;
  readonly format?: OutputFormat;
  readonly gravity?: Gravity;
  readonly focus?: FocalPoint;
  readonly bg?: Rgba;
  readonly blur?: number;
  readonly allowUpscale?: boolean;
  readonly quality?: number;
}

/** A fully resolved spec for an original of `original` displayed size, as the use case would build it. */
export function specFor(original: Size, box: Box, options: SpecOptions = {}): RenditionSpec {
  const fit = options.fit ?? 'clip';
  const format = options.format ?? 'jpeg';
  const allowUpscale = options.allowUpscale ?? true;
  return {
    box,
    fit,
    gravity: options.gravity ?? 'center',
    focus: options.focus,
    format,
    quality: isLossy(format) ? (options.quality ?? 80) : undefined,
    blur: options.blur,
    bg: options.bg ?? WHITE,
    allowUpscale,
    geometry: computeGeometry(original, box, fit, DEFAULT_LIMITS, allowUpscale),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

function rgba(colour: Rgb, alpha = 255): Rgba {
  return { r: colour[0], g: colour[1], b: colour[2], alpha };
}

/**
 * What every `Transformer` must do: outputs of exactly the computed geometry in the requested format,
 * upright, sRGB, stripped of metadata, transparency handled per format, animation kept where the
 * format can carry it, and the declared errors for bad input, oversized input and slow renders.
 */
export function describeTransformerContract(label: string, makeTransformer: MakeTransformer): void {
  describe(`Transformer contract: ${label}`, function () {
    let transformer: Transformer;

    before(async function () {
      transformer = await makeTransformer(SETTINGS);
    });

    describe('probe', function () {
      it('reports format, displayed size, pages and alpha', async function () {
        expect(await probe(transformer, await gradientJpeg(300, 200))).to.deep.equal({
          format: 'jpeg',
          width: 300,
          height: 200,
          pages: 1,
          hasAlpha: false,
        });
        expect(await probe(transformer, await alphaPng(64, 48))).to.deep.include({ format: 'png', width: 64, height: 48, hasAlpha: true });
        expect(await probe(transformer, await animatedGif(40, 30, 5))).to.deep.include({ format: 'gif', width: 40, height: 30, pages: 5 });
        const webp = await sharp(await gradientJpeg(90, 70)).webp().toBuffer();
        expect(await probe(transformer, webp)).to.deep.include({ format: 'webp', width: 90, height: 70, pages: 1 });
        const avif = await sharp(await gradientJpeg(90, 70)).avif({ effort: 0 }).toBuffer();
        expect(await probe(transformer, avif)).to.deep.include({ format: 'avif', width: 90, height: 70 });
        const tiff = await sharp(await gradientJpeg(90, 70)).tiff().toBuffer();
        expect(await probe(transformer, tiff)).to.deep.include({ format: 'tiff', width: 90, height: 70 });
      });

      it('reports the displayed size of an EXIF-rotated JPEG (orientation 6 swaps the sides)', async function () {
        expect(await probe(transformer, await exifRotatedJpeg(120, 80))).to.deep.include({ width: 120, height: 80 });
      });
    });

    describe('geometry', function () {
      const originals: ReadonlyArray<{ name: string; size: Size; make: () => Promise<Buffer> }> = [
        { name: 'landscape JPEG', size: { width: 300, height: 200 }, make: () => gradientJpeg(300, 200) },
        { name: 'portrait PNG with alpha', size: { width: 150, height: 240 }, make: () => alphaPng(150, 240) },
      ];
      const boxes: readonly Box[] = [
        { width: 100, height: 100 },
        { width: 400, height: 100 },
        { width: 64, height: 0 },
        { width: 0, height: 500 },
        { width: 0, height: 0 },
        { width: 33, height: 77 },
      ];
      for (const original of originals) {
        for (const fit of FITS) {
          for (const allowUpscale of [true, false]) {
            it(`${original.name}: ${fit} gives exactly the computed output size${allowUpscale ? '' : ' (no upscaling)'}`, async function () {
              const bytes = await original.make();
              for (const box of boxes) {
                const spec = specFor(original.size, box, { fit, allowUpscale });
                const rendered = await render(transformer, bytes, spec);
                const where = `box ${box.width}x${box.height}`;
                expect({ width: rendered.width, height: rendered.height }, where).to.deep.equal(spec.geometry.output);
                const decoded = await sharp(rendered.bytes).metadata();
                expect({ width: decoded.width, height: decoded.height }, where).to.deep.equal(spec.geometry.output);
              }
            });
          }
        }
      }
    });

    describe('formats', function () {
      for (const format of OUTPUT_FORMATS) {
        it(`renders ${format} that decodes as ${format} at the computed size`, async function () {
          const spec = specFor({ width: 300, height: 200 }, { width: 120, height: 120 }, { fit: 'crop', format });
          const rendered = await render(transformer, await gradientJpeg(300, 200), spec);
          const metadata = await sharp(rendered.bytes).metadata();
          expect(metadata.format).to.equal(DECODED_AS[format]);
          expect([metadata.width, metadata.height]).to.deep.equal([120, 120]);
        });
      }

      it('writes progressive JPEG', async function () {
        const rendered = await render(transformer, await gradientJpeg(300, 200), specFor({ width: 300, height: 200 }, { width: 200, height: 0 }));
        expect((await sharp(rendered.bytes).metadata()).isProgressive).to.equal(true);
      });

      it('honours the quality of lossy formats', async function () {
        const bytes = await gradientJpeg(400, 300);
        const low = await render(transformer, bytes, specFor({ width: 400, height: 300 }, { width: 0, height: 0 }, { quality: 10 }));
        const high = await render(transformer, bytes, specFor({ width: 400, height: 300 }, { width: 0, height: 0 }, { quality: 95 }));
        expect(low.bytes.length).to.be.lessThan(high.bytes.length);
      });
    });

    describe('orientation', function () {
      it('renders an EXIF orientation 6 JPEG upright', async function () {
        const spec = specFor({ width: 120, height: 80 }, { width: 60, height: 0 });
        const rendered = await render(transformer, await exifRotatedJpeg(120, 80), spec);
        expect([rendered.width, rendered.height]).to.deep.equal([60, 40]);
        const pixels = await pixelsOf(rendered.bytes);
        for (const [x, y, left, top] of [
          [10, 8, true, true],
          [50, 8, false, true],
          [10, 32, true, false],
          [50, 32, false, false],
        ] as const) {
          expect(colourDistance(pixels.at(x, y), quadrantColour(left, top)), `pixel ${x},${y}`).to.be.lessThan(40);
        }
      });
    });

    describe('transparency and padding', function () {
      const bg: Rgba = { r: 20, g: 60, b: 200, alpha: 255 };

      it('flattens transparency onto bg for JPEG', async function () {
        const rendered = await render(transformer, await alphaPng(100, 100), specFor({ width: 100, height: 100 }, { width: 50, height: 50 }, { bg }));
        const pixels = await pixelsOf(rendered.bytes);
        expect(colourDistance(pixels.at(5, 25), [20, 60, 200])).to.be.lessThan(12);
        expect(colourDistance(pixels.at(45, 25), RED)).to.be.lessThan(12);
      });

      for (const format of ['png', 'webp', 'avif', 'tiff'] as const) {
        it(`keeps transparency for ${format}`, async function () {
          const spec = specFor({ width: 100, height: 100 }, { width: 50, height: 50 }, { bg, format });
          const rendered = await render(transformer, await alphaPng(100, 100), spec);
          expect((await sharp(rendered.bytes).metadata()).hasAlpha).to.equal(true);
          const pixels = await pixelsOf(rendered.bytes);
          expect(pixels.at(5, 25)[3]).to.be.lessThan(10);
          expect(pixels.at(45, 25)[3]).to.be.greaterThan(245);
        });
      }

      for (const format of ['jpeg', 'png'] as const) {
        it(`pads canvas with bg, content centred (${format})`, async function () {
          const spec = specFor({ width: 200, height: 100 }, { width: 100, height: 100 }, { fit: 'canvas', bg, format });
          expect(spec.geometry.content).to.deep.equal({ width: 100, height: 50 });
          const rendered = await render(transformer, await solidJpeg(200, 100, RED), spec);
          expect([rendered.width, rendered.height]).to.deep.equal([100, 100]);
          const pixels = await pixelsOf(rendered.bytes);
          const tolerance = format === 'jpeg' ? 12 : 0;
          for (const [x, y] of [[50, 5], [0, 0], [99, 20], [50, 94], [99, 99]] as const) {
            expect(colourDistance(pixels.at(x, y), [20, 60, 200]), `padding ${x},${y}`).to.be.at.most(tolerance);
          }
          expect(colourDistance(pixels.at(50, 50), RED), 'content').to.be.lessThan(12);
        });
      }

      it('pads canvas with a transparent bg for formats with alpha', async function () {
        const spec = specFor({ width: 200, height: 100 }, { width: 100, height: 100 }, { fit: 'canvas', bg: rgba(BLUE, 0), format: 'png' });
        const pixels = await pixelsOf((await render(transformer, await solidJpeg(200, 100, RED), spec)).bytes);
        expect(pixels.at(50, 5)[3]).to.equal(0);
        expect(pixels.at(50, 50)[3]).to.equal(255);
      });
    });

    describe('crop gravity', function () {
      const cases: ReadonlyArray<{ gravity: Gravity; expected: Rgb }> = [
        { gravity: 'north', expected: RED },
        { gravity: 'south', expected: BLUE },
        { gravity: 'northwest', expected: RED },
        { gravity: 'southeast', expected: BLUE },
      ];
      for (const { gravity, expected } of cases) {
        it(`${gravity} keeps the matching part`, async function () {
          const spec = specFor({ width: 100, height: 200 }, { width: 100, height: 50 }, { fit: 'crop', gravity, format: 'png' });
          const rendered = await render(transformer, await halvesPng(100, 200, RED, BLUE), spec);
          const pixels = await pixelsOf(rendered.bytes);
          expect([pixels.width, pixels.height]).to.deep.equal([100, 50]);
          for (const y of [0, 25, 49]) expect(colourDistance(pixels.at(50, y), expected), `row ${y}`).to.equal(0);
        });
      }

      for (const gravity of ['entropy', 'attention'] as const) {
        it(`${gravity} (smart crop) gives the exact output size`, async function () {
          const spec = specFor({ width: 300, height: 200 }, { width: 90, height: 120 }, { fit: 'crop', gravity });
          const rendered = await render(transformer, await gradientJpeg(300, 200), spec);
          expect([rendered.width, rendered.height]).to.deep.equal([90, 120]);
        });
      }
    });

    it('blurs when asked', async function () {
      const bytes = await checkerboardPng(64, 64);
      const sharpSpec = specFor({ width: 64, height: 64 }, { width: 0, height: 0 }, { format: 'png' });
      const plain = await sharp((await render(transformer, bytes, sharpSpec)).bytes).stats();
      const blurred = await sharp((await render(transformer, bytes, { ...sharpSpec, blur: 3 })).bytes).stats();
      expect(blurred.channels[0]!.stdev).to.be.lessThan(plain.channels[0]!.stdev / 4);
    });

    describe('metadata', function () {
      for (const format of OUTPUT_FORMATS) {
        it(`strips EXIF, XMP and ICC from ${format} output`, async function () {
          const input = await jpegWithMetadata(80, 60);
          const before = await sharp(input).metadata();
          expect([before.exif, before.xmp, before.icc].every((part) => part !== undefined), 'fixture carries metadata').to.equal(true);
          const rendered = await render(transformer, input, specFor({ width: 80, height: 60 }, { width: 40, height: 0 }, { format }));
          const after = await sharp(rendered.bytes).metadata();
          expect(after.exif, 'exif').to.equal(undefined);
          expect(after.xmp, 'xmp').to.equal(undefined);
          expect(after.iptc, 'iptc').to.equal(undefined);
          expect(after.icc, 'icc').to.equal(undefined);
          expect(after.space).to.equal('srgb');
        });
      }
    });

    describe('animation', function () {
      for (const format of ['gif', 'webp'] as const) {
        it(`keeps every frame of an animated GIF rendered as ${format}, each at the output size`, async function () {
          const spec = specFor({ width: 40, height: 30 }, { width: 20, height: 20 }, { fit: 'crop', format });
          const rendered = await render(transformer, await animatedGif(40, 30, 4), spec);
          expect([rendered.width, rendered.height]).to.deep.equal([20, 20]);
          const metadata = await sharp(rendered.bytes).metadata();
          expect(metadata.pages).to.equal(4);
          expect([metadata.width, metadata.pageHeight ?? metadata.height]).to.deep.equal([20, 20]);
          const frames = await sharp(rendered.bytes, { animated: true }).raw().toBuffer({ resolveWithObject: true });
          expect(frames.info.height).to.equal(80);
        });
      }

      for (const [fit, gravity] of [['canvas', 'center'], ['cover', 'center'], ['crop', 'attention'], ['crop', 'entropy']] as const) {
        it(`keeps the animation with ${fit} (${gravity}), every frame at the output size`, async function () {
          const spec = specFor({ width: 40, height: 30 }, { width: 25, height: 25 }, { fit, gravity, format: 'webp' });
          const rendered = await render(transformer, await animatedGif(40, 30, 4), spec);
          expect({ width: rendered.width, height: rendered.height }).to.deep.equal(spec.geometry.output);
          const metadata = await sharp(rendered.bytes).metadata();
          expect(metadata.pages).to.equal(4);
          expect({ width: metadata.width, height: metadata.pageHeight ?? metadata.height }).to.deep.equal(spec.geometry.output);
        });
      }

      it('renders the first frame only for a format that cannot animate', async function () {
        const spec = specFor({ width: 40, height: 30 }, { width: 20, height: 0 }, { format: 'jpeg' });
        const rendered = await render(transformer, await animatedGif(40, 30, 4), spec);
        const metadata = await sharp(rendered.bytes).metadata();
        expect(metadata.pages ?? 1).to.equal(1);
        expect([metadata.width, metadata.height]).to.deep.equal([20, 15]);
        expect(colourDistance((await pixelsOf(rendered.bytes)).at(10, 7), RED)).to.be.lessThan(12);
      });
    });

    describe('failures', function () {
      const undecodable: ReadonlyArray<{ name: string; make: () => Promise<Uint8Array> }> = [
        { name: 'empty bytes', make: async () => new Uint8Array(0) },
        { name: 'random bytes', make: async () => Uint8Array.from({ length: 4096 }, (_, index) => (index * 7919) % 251) },
        { name: 'plain text', make: async () => new TextEncoder().encode('hello, this is not an image') },
        {
          name: 'SVG',
          make: async () => new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'),
        },
        { name: 'SVG with an XML declaration', make: async () => new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>') },
        { name: 'PDF', make: async () => new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n') },
        { name: 'a truncated JPEG', make: async () => (await gradientJpeg(300, 200)).subarray(0, 1500) },
        { name: 'a truncated PNG', make: async () => (await quadrantPng(300, 200)).subarray(0, 200) },
        { name: 'a JPEG header followed by garbage', make: async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 0x41)]) },
      ];
      for (const { name, make } of undecodable) {
        it(`refuses ${name} with UnsupportedImageError (probe and render)`, async function () {
          const bytes = await make();
          const probed = await rejection(probe(transformer, bytes));
          expect(probed).to.be.instanceOf(UnsupportedImageError);
          const rendered = await rejection(render(transformer, bytes, specFor({ width: 100, height: 100 }, { width: 50, height: 50 })));
          expect(rendered).to.be.instanceOf(UnsupportedImageError);
        });
      }

      it('inspect reads a header without applying any limit or decoding (the application applies the limits)', async function () {
        expect(await transformer.inspect(await solidJpeg(1200, 1000))).to.deep.include({ width: 1200, height: 1000 });
        expect(await transformer.inspect(await animatedGif(400, 400, 8))).to.deep.include({ width: 400, height: 400, pages: 8 });
      });

      it('a decode may not allocate more pixels than the header it was given declares (verify and render)', async function () {
        const big = await solidJpeg(1200, 1000);
        const claim = { format: 'jpeg', width: 10, height: 10, pages: 1, hasAlpha: false } as const;
        expect(await rejection(transformer.verify(big, claim))).to.be.instanceOf(ImageTooLargeError);
        const spec = specFor({ width: 1200, height: 1000 }, { width: 100, height: 0 });
        expect(await rejection(transformer.render(big, spec, claim))).to.be.instanceOf(ImageTooLargeError);
      });

      it('counts every frame of an animation: a header that declares fewer frames does not lift the decode limit', async function () {
        const bytes = await animatedGif(400, 400, 8);
        const claim = { ...(await transformer.inspect(bytes)), pages: 2 };
        expect(await rejection(transformer.verify(bytes, claim))).to.be.instanceOf(ImageTooLargeError);
        const spec = specFor({ width: 400, height: 400 }, { width: 100, height: 100 }, { format: 'gif' });
        expect(await rejection(transformer.render(bytes, spec, claim))).to.be.instanceOf(ImageTooLargeError);
      });

      it('renders with the info inspect reported, and refuses bytes that do not match it', async function () {
        const bytes = await gradientJpeg(300, 200);
        const known = await probe(transformer, bytes);
        const spec = specFor({ width: 300, height: 200 }, { width: 120, height: 0 });
        const rendered = await transformer.render(bytes, spec, known);
        expect({ width: rendered.width, height: rendered.height }).to.deep.equal(spec.geometry.output);
        const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 0x41)]);
        expect(await rejection(transformer.render(garbage, spec, known))).to.be.instanceOf(UnsupportedImageError);
        const text = new TextEncoder().encode('hello, this is not an image');
        expect(await rejection(transformer.render(text, spec, known))).to.be.instanceOf(UnsupportedImageError);
        const png = await quadrantPng(300, 200);
        expect(await rejection(transformer.render(png, spec, known))).to.be.instanceOf(UnsupportedImageError);
      });

      it('stops a render at its time limit with RenderTimeoutError (the decoder\'s own limit, not a timer beside it)', async function () {
        this.timeout(30_000);
        // A blur of sigma 300 over 12 MP: several seconds of pipeline work, which the decoder's limit (at least
        // 1 s) must cut. Sigma 100 took 1.2 s on an idle 2-core machine and sometimes finished before libvips
        // looked at its clock.
        const impatient = await makeTransformer({ timeoutMs: 1 });
        const bytes = await gradientJpeg(4000, 3000);
        const spec = specFor({ width: 4000, height: 3000 }, { width: 0, height: 0 }, { blur: 300 });
        expect(await rejection(render(impatient, bytes, spec))).to.be.instanceOf(RenderTimeoutError);
      });
    });
  });
}
