import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { SharpTransformer } from '../../../src/adapters/sharp/sharp-transformer.js';
import { ImageTooLargeError, UnsupportedImageError } from '../../../src/domain/domain-error.js';
import { checkOriginalSize, DEFAULT_LIMITS } from '../../../src/domain/limits.js';
import type { ImageInfo } from '../../../src/domain/original.js';
import type { RenditionSpec } from '../../../src/domain/rendition.js';
import { describeTransformerContract, specFor } from '../../contract/transformer.contract.js';
import { CORPUS, corpusLocalFile } from '../../support/corpus.js';
import { gradientJpeg, meanPixelDifference, noiseJpeg } from '../../support/image-fixtures.js';

describeTransformerContract('SharpTransformer', async ({ timeoutMs }) => new SharpTransformer({ timeoutMs, avifEffort: 2 }));

interface ManifestEntry {
  readonly path: string;
  readonly category: string;
  readonly expect: 'ok' | 'reject' | 'either';
  readonly measured?: {
    readonly displayWidth?: number;
    readonly displayHeight?: number;
    readonly pages?: number;
  };
}

const MANIFEST = `${CORPUS}manifest.json`;

function corpusFile(path: string): Promise<Buffer> {
  return readFile(`${CORPUS}${path}`);
}

async function outcome(promise: Promise<unknown>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await promise;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('SharpTransformer on the third-party corpus (../shared/corpus)', function () {
  if (!existsSync(MANIFEST)) {
    it('needs the corpus', function () {
      console.warn(`corpus tests skipped: ${MANIFEST} is missing (the corpus lives in ../shared/corpus next to the repository)`);
      this.skip();
    });
    return;
  }

  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as ManifestEntry[];
  const transformer = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 2 });

  /** An upload's path: the header, the service's default limits (the corpus' "either" for the 16383² PNG assumes them), the decode proof. */
  async function probe(bytes: Uint8Array): Promise<ImageInfo> {
    const info = await transformer.inspect(bytes);
    checkOriginalSize(info, DEFAULT_LIMITS);
    await transformer.verify(bytes, info);
    return info;
  }

  /** A render of an accepted original, with the header read from its bytes as the index would keep it. */
  async function render(bytes: Uint8Array, spec: RenditionSpec) {
    return transformer.render(bytes, spec, await transformer.inspect(bytes));
  }

  describe('every manifest entry gets its expected answer', function () {
    for (const entry of manifest) {
      it(`${entry.path}: ${entry.expect}`, async function () {
        const bytes = await corpusFile(entry.path);
        const probed = await outcome(probe(bytes));
        if (!probed.ok) {
          const { error } = probed;
          expect(
            error instanceof UnsupportedImageError || error instanceof ImageTooLargeError,
            `refused with an undeclared error: ${String(error)}`,
          ).to.equal(true);
          expect(entry.expect, `refused although it must render: ${String(error)}`).to.not.equal('ok');
          return;
        }
        expect(entry.expect, 'accepted although it must be refused').to.not.equal('reject');
        const info = await probe(bytes);
        const measured = entry.measured ?? {};
        if (measured.displayWidth !== undefined) {
          expect([info.width, info.height], 'displayed size').to.deep.equal([measured.displayWidth, measured.displayHeight]);
        }
        if (measured.pages !== undefined) expect(info.pages, 'pages').to.equal(measured.pages);

        const spec = specFor(info, { width: 256, height: 256 });
        const rendered = await render(bytes, spec);
        expect({ width: rendered.width, height: rendered.height }).to.deep.equal(spec.geometry.output);
        const metadata = await sharp(rendered.bytes).metadata();
        expect([metadata.format, metadata.width, metadata.height, metadata.space]).to.deep.equal([
          'jpeg',
          spec.geometry.output.width,
          spec.geometry.output.height,
          'srgb',
        ]);
        expect([metadata.exif, metadata.xmp, metadata.icc, metadata.comments]).to.deep.equal([undefined, undefined, undefined, undefined]);

        // From the original's file (a folder store, ADR 0036), libvips decodes the same: byte for byte the same output.
        const fromFile = await transformer.render(corpusLocalFile(entry.path, bytes), spec, info);
        expect(Buffer.from(fromFile.bytes).equals(Buffer.from(rendered.bytes)), 'the same bytes from the file as from memory').to.equal(true);
      });
    }
  });

  describe('from a local file', function () {
    const photo = 'valid/sharp--2569067123_aca715a2ee_o.jpg';

    it('refuses a file whose first bytes are not the format its header was recorded as', async function () {
      const bytes = await corpusFile(photo);
      const info = await transformer.inspect(bytes);
      const png = await corpusFile('pngsuite/basn2c08.png');
      const file = { ...corpusLocalFile(photo, bytes), head: png.subarray(0, 64) };
      const refused = await outcome(transformer.render(file, specFor(info, { width: 64, height: 64 }), info));
      expect(refused.ok).to.equal(false);
      expect(String((refused as { error: unknown }).error)).to.match(/the bytes are png, but the original was recorded as jpeg/);
    });

    it('a file that is gone fails as a decode failure, which the use case tells apart by looking again', async function () {
      const bytes = await corpusFile(photo);
      const info = await transformer.inspect(bytes);
      const file = { ...corpusLocalFile(photo, bytes), path: `${CORPUS}no-such-file.jpg` };
      const refused = await outcome(transformer.render(file, specFor(info, { width: 64, height: 64 }), info));
      expect(refused.ok).to.equal(false);
      expect((refused as { error: unknown }).error).to.be.instanceOf(UnsupportedImageError);
    });
  });

  describe('EXIF orientation', function () {
    for (const shape of ['Landscape', 'Portrait'] as const) {
      for (const orientation of [0, 1, 2, 3, 4, 5, 6, 7, 8]) {
        it(`${shape}_${orientation}.jpg renders upright (like ${shape}_1.jpg)`, async function () {
          const reference = await corpusFile(`exif-orientation/${shape}_1.jpg`);
          const subject = await corpusFile(`exif-orientation/${shape}_${orientation}.jpg`);
          const info = await probe(subject);
          const spec = specFor(info, { width: 300, height: 300 }, { format: 'png' });
          const [expected, actual] = await Promise.all([render(reference, spec), render(subject, spec)]);
          // The files differ only by orientation, so an upright render is nearly identical; a wrong
          // rotation or mirror moves the large coloured digit and differs by tens of levels.
          expect(await meanPixelDifference(actual.bytes, expected.bytes)).to.be.lessThan(3);
        });
      }
    }
  });

  describe('decompression bombs', function () {
    for (const entry of manifest.filter((candidate) => candidate.category === 'bombs')) {
      it(`${entry.path} is refused from its header, well under a second`, async function () {
        const bytes = await corpusFile(entry.path);
        const started = performance.now();
        const probed = await outcome(probe(bytes));
        const elapsed = performance.now() - started;
        expect(probed.ok ? undefined : probed.error).to.be.instanceOf(ImageTooLargeError);
        expect(elapsed).to.be.lessThan(1000);
      });
    }
  });

  describe('colour', function () {
    for (const path of ['valid/imagor--jpg-24bit-icc-adobe-rgb.jpg', 'valid/wide-gamut--P3-sRGB-color-bars.jpg']) {
      it(`${path}: the embedded profile is applied, not ignored or copied`, async function () {
        const bytes = await corpusFile(path);
        const info = await probe(bytes);
        const spec = specFor(info, { width: 200, height: 0 }, { format: 'png' });
        const rendered = await render(bytes, spec);
        const naive = await sharp(bytes, { ignoreIcc: true }).resize(spec.geometry.output.width, spec.geometry.output.height, { fit: 'fill' }).png().toBuffer();
        expect((await sharp(rendered.bytes).metadata()).icc).to.equal(undefined);
        expect(await meanPixelDifference(rendered.bytes, naive)).to.be.greaterThan(1);
      });
    }

    it('a CMYK JPEG comes out as three-channel sRGB', async function () {
      const bytes = await corpusFile('valid/sharp--Channel_digital_image_CMYK_color_no_profile.jpg');
      const rendered = await render(bytes, specFor(await probe(bytes), { width: 100, height: 0 }));
      const metadata = await sharp(rendered.bytes).metadata();
      expect([metadata.space, metadata.channels]).to.deep.equal(['srgb', 3]);
    });
  });

  describe('animation', function () {
    for (const path of ['valid/sharp--rotating-squares.gif', 'valid/sharp--rotating-squares.webp', 'valid/libvips--dispose-previous.gif']) {
      it(`${path} stays animated as WebP and GIF`, async function () {
        const bytes = await corpusFile(path);
        const info = await probe(bytes);
        for (const format of ['webp', 'gif'] as const) {
          const spec = specFor(info, { width: 50, height: 50 }, { fit: 'crop', format });
          const rendered = await render(bytes, spec);
          const metadata = await sharp(rendered.bytes).metadata();
          expect(metadata.pages, format).to.be.greaterThan(1);
          expect([metadata.width, metadata.pageHeight ?? metadata.height], format).to.deep.equal([50, 50]);
        }
      });
    }
  });
});

/**
 * The chroma subsampling an AVIF file declares, read from its AV1 codec configuration box (`av1C`, AV1-ISOBMFF
 * §2.3): after the box's size, type and two bytes, one byte holds `chroma_subsampling_x` and `_y` in bits 3 and 2.
 */
function avifChromaOf(bytes: Uint8Array): string {
  const at = Buffer.from(bytes).indexOf('av1C');
  if (at < 0) throw new Error('no av1C box: not an AV1 image file');
  const flags = bytes[at + 6]!;
  const [x, y] = [(flags >> 3) & 1, (flags >> 2) & 1];
  return x === 1 && y === 1 ? '4:2:0' : x === 1 ? '4:2:2' : '4:4:4';
}

describe('SharpTransformer AVIF chroma (ADR 0027)', function () {
  const transformer = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0 });

  for (const [quality, chroma] of [
    [50, '4:2:0'],
    [89, '4:2:0'],
    [90, '4:4:4'],
    [100, '4:4:4'],
  ] as const) {
    it(`quality ${quality} encodes ${chroma}, as libvips chooses (half-resolution chroma below 90, like JPEG and WebP)`, async function () {
      const bytes = await gradientJpeg(96, 64);
      const info = await transformer.inspect(bytes);
      const rendered = await transformer.render(bytes, specFor(info, { width: 48, height: 0 }, { format: 'avif', quality }), info);
      expect(avifChromaOf(rendered.bytes)).to.equal(chroma);
    });
  }
});

describe('SharpTransformer WebP effort (ADR 0039)', function () {
  it("encodes at the effort it is given, libwebp's default 4 when none: lower efforts give larger files", async function () {
    const bytes = await noiseJpeg(400, 300);
    const sizes: Record<string, number> = {};
    const outputs: Record<string, string> = {};
    for (const webpEffort of [0, 4, 6, undefined]) {
      const transformer = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0, ...(webpEffort === undefined ? {} : { webpEffort }) });
      const info = await transformer.inspect(bytes);
      const rendered = await transformer.render(bytes, specFor(info, { width: 200, height: 0 }, { format: 'webp', quality: 80 }), info);
      expect((await sharp(rendered.bytes).metadata()).format).to.equal('webp');
      sizes[String(webpEffort)] = rendered.bytes.length;
      outputs[String(webpEffort)] = Buffer.from(rendered.bytes).toString('base64');
    }
    expect(outputs.undefined).to.equal(outputs['4']);
    expect(outputs['0']).to.not.equal(outputs['4']);
    expect(sizes['0']).to.be.greaterThan(sizes['4']!);
    expect(sizes['6']).to.be.lessThan(sizes['0']!);
  });
});
