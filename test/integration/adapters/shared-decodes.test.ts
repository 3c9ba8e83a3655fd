import { expect } from 'chai';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { LocalFile } from '../../../src/application/ports/original-store.js';
import { SharpTransformer } from '../../../src/adapters/sharp/sharp-transformer.js';
import type { ImageInfo } from '../../../src/domain/original.js';
import { FITS } from '../../../src/domain/scaling.js';
import { specFor } from '../../contract/transformer.contract.js';
import { CORPUS, corpusLocalFile } from '../../support/corpus.js';


/**
 * JPEGs whose decode can be shared (no ICC profile, three sRGB channels, no EXIF mirroring): baseline and progressive,
 * upright and turned by EXIF (3: 180°, 6: 90°, 8: 270°), landscape and portrait.
 */
const SHARABLE = [
  'valid/sharp--2569067123_aca715a2ee_o.jpg',
  'valid/image-size--very-large.jpg',
  'exif-orientation/Landscape_1.jpg',
  'valid/thumbor--invalid_quantization.jpg',
  'valid/sharp--testimgl.jpg',
  'exif-orientation/Landscape_3.jpg',
  'exif-orientation/Landscape_6.jpg',
  'exif-orientation/Portrait_8.jpg',
];
/** JPEGs sharp mirrors or converts: never shared, and still rendered as without sharing. */
const NOT_SHARABLE = [
  'exif-orientation/Landscape_2.jpg',
  'exif-orientation/Portrait_5.jpg',
  'valid/imagor--jpg-24bit-icc-adobe-rgb.jpg',
  'valid/thumbor--cmyk.jpg',
  'valid/thumbor--grayscale-icc.jpg',
];

interface Original {
  readonly file: LocalFile;
  readonly info: ImageInfo;
}

/**
 * ADR 0037: a render from a decode shared with other renders of the same file is the render it would have been,
 * byte for byte, for any box, fit, gravity, focal point, format and blur, EXIF rotations included; originals that
 * sharp mirrors or converts are never shared.
 */
describe('SharpTransformer: renders of one original sharing its decode (../shared/corpus)', function () {
  if (!existsSync(`${CORPUS}manifest.json`)) {
    it('needs the corpus', function () {
      console.warn(`shared-decode tests skipped: ${CORPUS}manifest.json is missing (the corpus lives in ../shared/corpus next to the repository)`);
      this.skip();
    });
    return;
  }

  const direct = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0 });
  const originals = new Map<string, Original>();

  async function original(path: string): Promise<Original> {
    const known = originals.get(path);
    if (known !== undefined) return known;
    const bytes = await readFile(`${CORPUS}${path}`);
    const loaded = {
      file: corpusLocalFile(path, bytes),
      info: await direct.inspect(bytes),
    };
    originals.set(path, loaded);
    return loaded;
  }

  const sample = fc.record({
    path: fc.constantFrom(...SHARABLE),
    width: fc.integer({ min: 1, max: 700 }),
    height: fc.integer({ min: 0, max: 700 }),
    fit: fc.constantFrom(...FITS),
    gravity: fc.constantFrom('center' as const, 'northwest' as const, 'entropy' as const, 'attention' as const),
    focus: fc.option(fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) }), { nil: undefined }),
    format: fc.constantFrom('jpeg' as const, 'webp' as const, 'png' as const, 'avif' as const, 'gif' as const, 'tiff' as const),
    blur: fc.option(fc.constantFrom(0.5, 3), { nil: undefined }),
  });

  it('renders the same bytes from a shared decode as from its own, for any rendition', async function () {
    this.timeout(180_000);
    const shared = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0, sharedDecodeBytes: 64 * 1024 * 1024 });
    let sharedSamples = 0;
    await fc.assert(
      fc.asyncProperty(sample, async ({ path, width, height, fit, gravity, focus, format, blur }) => {
        const { file, info } = await original(path);
        const spec = specFor(info, { width, height }, { fit, gravity, focus: fit === 'crop' ? focus : undefined, format, blur });
        const before = shared.sharedRenders;
        // Twice: the first render of a file decodes it itself; the second shares when it can.
        await shared.render(file, spec, info);
        const fromShared = await shared.render(file, spec, info);
        const own = await direct.render(file, spec, info);
        expect(Buffer.from(fromShared.bytes).equals(Buffer.from(own.bytes)), JSON.stringify({ path, spec })).to.equal(true);
        if (shared.sharedRenders > before) sharedSamples += 1;
      }),
      { numRuns: 40 },
    );
    // Most boxes are under half the original's size, where libjpeg scales while decoding: the property must have
    // exercised shared decodes, not only renders that decoded for themselves.
    expect(sharedSamples).to.be.greaterThan(10);
  });

  for (const path of NOT_SHARABLE) {
    it(`${path}: never shared, rendered as without sharing`, async function () {
      const shared = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0, sharedDecodeBytes: 64 * 1024 * 1024 });
      const { file, info } = await original(path);
      for (const width of [20, 21, 22]) {
        const spec = specFor(info, { width, height: 0 });
        const rendered = await shared.render(file, spec, info);
        expect(Buffer.from(rendered.bytes).equals(Buffer.from((await direct.render(file, spec, info)).bytes))).to.equal(true);
      }
      expect(shared.sharedRenders).to.equal(0);
    });
  }

  it('shares nothing with a budget of 0, and nothing for originals given as bytes', async function () {
    const none = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0, sharedDecodeBytes: 0 });
    const budget = new SharpTransformer({ timeoutMs: 20_000, avifEffort: 0, sharedDecodeBytes: 64 * 1024 * 1024 });
    const { file, info } = await original(SHARABLE[0]!);
    const bytes = await readFile(file.path);
    for (const width of [100, 101, 102]) {
      await none.render(file, specFor(info, { width, height: 0 }), info);
      await budget.render(bytes, specFor(info, { width, height: 0 }), info);
    }
    expect([none.sharedRenders, budget.sharedRenders]).to.deep.equal([0, 0]);
  });
});
