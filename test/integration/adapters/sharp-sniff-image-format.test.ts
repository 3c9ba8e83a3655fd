import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { sniffImageFormat } from '../../../src/adapters/sharp/sniff-image-format.js';
import { gradientJpeg } from '../../support/image-fixtures.js';

const CORPUS = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

describe('sniffImageFormat (magic bytes, before any decoder sees the file)', function () {
  it('accepts every allow-listed format sharp writes', async function () {
    const source = await gradientJpeg(32, 24);
    const encoded = {
      jpeg: source,
      png: await sharp(source).png().toBuffer(),
      webp: await sharp(source).webp().toBuffer(),
      avif: await sharp(source).avif({ effort: 0 }).toBuffer(),
      gif: await sharp(source).gif().toBuffer(),
      tiff: await sharp(source).tiff().toBuffer(),
    };
    for (const [format, bytes] of Object.entries(encoded)) {
      expect(sniffImageFormat(bytes), format).to.deep.equal({ kind: 'accepted', format });
    }
  });

  it('accepts big-endian TIFF and BigTIFF', function () {
    expect(sniffImageFormat(Uint8Array.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).to.deep.equal({ kind: 'accepted', format: 'tiff' });
    expect(sniffImageFormat(Uint8Array.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0]))).to.deep.equal({ kind: 'accepted', format: 'tiff' });
  });

  const refused: ReadonlyArray<[string, Uint8Array]> = [
    ['SVG', text('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['SVG after a BOM and whitespace', Uint8Array.from([0xef, 0xbb, 0xbf, 0x0a, 0x20, ...text('<svg/>')])],
    ['XML', text('<?xml version="1.0"?><svg/>')],
    ['PDF', text('%PDF-1.7\n')],
    ['plain text', text('just some words')],
    ['empty bytes', new Uint8Array(0)],
    ['netpbm', text('P6\n2 2\n255\n')],
    ['Radiance HDR', text('#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n')],
    ['Photoshop', text('8BPS\u0000\u0001')],
    ['a libvips .v file', Uint8Array.from([0xb6, 0xa6, 0xf2, 0x08, 0, 0, 0, 0])],
    ['JPEG XL', Uint8Array.from([0xff, 0x0a, 0xfa, 0x7f])],
    ['HEIC', Uint8Array.from([0, 0, 0, 0x18, ...text('ftypheic'), 0, 0, 0, 0, ...text('mif1heic')])],
    ['an AVIF sequence', Uint8Array.from([0, 0, 0, 0x18, ...text('ftypavis'), 0, 0, 0, 0, ...text('avifmsf1')])],
    ['a GIF-like prefix that is not GIF87a/89a', text('GIF8xa')],
  ];
  for (const [name, bytes] of refused) {
    it(`refuses ${name}`, function () {
      expect(sniffImageFormat(bytes).kind).to.equal('refused');
    });
  }

  it('accepts HEIF brands only when AVIF is among them', function () {
    const avifMif1 = Uint8Array.from([0, 0, 0, 0x18, ...text('ftypmif1'), 0, 0, 0, 0, ...text('mif1avif')]);
    expect(sniffImageFormat(avifMif1)).to.deep.equal({ kind: 'accepted', format: 'avif' });
  });

  it('judges corpus files by their signature, not their name or contents', async function () {
    if (!existsSync(CORPUS)) {
      console.warn(`skipped: the corpus folder ${CORPUS} is missing`);
      this.skip();
    }
    // A WebP whose payload contains "<svg": still WebP.
    expect(sniffImageFormat(await readFile(`${CORPUS}valid/libvips--looks-like-svg.webp`))).to.deep.equal({ kind: 'accepted', format: 'webp' });
    // JSON named .webp, and a libvips file sharp would happily decode: both refused.
    expect(sniffImageFormat(await readFile(`${CORPUS}invalid/file-type--fixture-json.webp`)).kind).to.equal('refused');
    expect(sniffImageFormat(await readFile(`${CORPUS}unsupported/sharp--vfile.v`)).kind).to.equal('refused');
    expect(sniffImageFormat(await readFile(`${CORPUS}unsupported/file-type--fixture-sequence.avif`)).kind).to.equal('refused');
    expect(sniffImageFormat(await readFile(`${CORPUS}unsupported/image-size--sample.heic`)).kind).to.equal('refused');
  });
});
