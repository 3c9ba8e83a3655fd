import { expect } from 'chai';
import fc from 'fast-check';
import { SharpTransformer } from '../../../src/adapters/sharp/sharp-transformer.js';
import type { ImageRequest } from '../../../src/domain/image-request.js';
import { DEFAULT_LIMITS, type Limits } from '../../../src/domain/limits.js';
import type { ImageInfo } from '../../../src/domain/original.js';
import { resolveSpec, type RenderDefaults, type RenditionSpec } from '../../../src/domain/rendition.js';
import { alphaPng, animatedGif, gradientJpeg } from '../../support/image-fixtures.js';
import { imageRequestArb } from '../../unit/domain/domain-arbitraries.js';

/*
 * ADR 0018 leaves options out of a rendition's identity where they cannot change its bytes. This checks that
 * claim where it matters, on real renders: the spec as the request spelled it (its box, fit and bg) and the spec
 * the identity resolves it to render the very same bytes, for opaque, transparent and animated originals.
 */
describe('options left out of the rendition identity change no rendered byte (SharpTransformer)', function () {
  this.timeout(180_000);
  const limits: Limits = { ...DEFAULT_LIMITS, maxWidth: 96, maxHeight: 96, maxScale: 2 };
  const defaults: RenderDefaults = { quality: { jpeg: 80, png: 100, webp: 75, avif: 50, gif: 100, tiff: 100 }, blurSigma: 2, allowUpscale: true };
  const transformer = new SharpTransformer({ timeoutMs: 15_000, avifEffort: 0 });
  const originals: Array<{ label: string; bytes: Buffer; info: ImageInfo }> = [];

  before(async () => {
    for (const [label, bytes] of [
      ['opaque JPEG', await gradientJpeg(60, 40)],
      ['transparent PNG', await alphaPng(40, 60)],
      ['animated GIF', await animatedGif(24, 16, 3)],
    ] as const) {
      originals.push({ label, bytes, info: await transformer.inspect(bytes) });
    }
    expect(originals.map((o) => o.info.hasAlpha)).to.include.members([false, true]);
  });

  /** The spec before the identity was normalised: what the request literally said. */
  function asRequested(request: ImageRequest, resolved: RenditionSpec): RenditionSpec {
    return { ...resolved, box: request.box(), fit: request.fit, bg: request.bg };
  }

  it('the requested and the resolved spec render identical bytes', async () => {
    await fc.assert(
      fc.asyncProperty(imageRequestArb(limits), fc.nat(originals.length - 1), async (request, which) => {
        const { bytes, info } = originals[which]!;
        const resolved = resolveSpec(request, request.format, info, defaults, limits);
        const [literal, normalised] = await Promise.all([
          transformer.render(bytes, asRequested(request, resolved), info),
          transformer.render(bytes, resolved, info),
        ]);
        expect(Buffer.from(normalised.bytes).equals(Buffer.from(literal.bytes)), `${originals[which]!.label} ${request.toUrl()}`).to.equal(true);
      }),
      { numRuns: 80 },
    );
  });
});
