import { expect } from 'chai';
import fc from 'fast-check';
import { chooseOutputFormat, type NegotiationPolicy } from '../../../src/domain/choose-output-format.js';
import { OUTPUT_FORMATS, type OutputFormat } from '../../../src/domain/image-format.js';
import { computeGeometry } from '../../../src/domain/scaling.js';
import { limitsAndRequestArb } from './domain-arbitraries.js';

const originalArb = fc.record({ width: fc.integer({ min: 1, max: 20_000 }), height: fc.integer({ min: 1, max: 20_000 }) });
const acceptsArb = fc.subarray([...OUTPUT_FORMATS]).map((formats) => new Set<OutputFormat>(formats));
const worldArb = fc.record({
  lr: limitsAndRequestArb,
  original: originalArb,
  accepts: acceptsArb,
  negotiate: fc.boolean(),
  avifMaxPixels: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000_000 })),
  webpMaxPixels: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  allowUpscale: fc.boolean(),
});

describe('chooseOutputFormat (properties)', () => {
  it('negotiates exactly the JPEG/PNG requests that ask for it (?auto=format) or are configured to', () => {
    fc.assert(
      fc.property(worldArb, ({ lr: { limits, request }, original, accepts, negotiate, avifMaxPixels, webpMaxPixels, allowUpscale }) => {
        const choice = chooseOutputFormat(request, original, accepts, { negotiate, avifMaxPixels, webpMaxPixels, limits, allowUpscale });
        const negotiable = (request.format === 'jpeg' || request.format === 'png') && (request.autoFormat || negotiate);
        expect(choice.negotiated).to.equal(negotiable);
        if (!negotiable) expect(choice.format).to.equal(request.format);
      }),
    );
  });

  it('picks the requested format or one the client accepts, AVIF and WebP only within their pixel budgets, WebP over the requested one', () => {
    fc.assert(
      fc.property(worldArb, ({ lr: { limits, request }, original, accepts, avifMaxPixels, webpMaxPixels, allowUpscale }) => {
        const policy: NegotiationPolicy = { negotiate: true, avifMaxPixels, webpMaxPixels, limits, allowUpscale };
        const { format } = chooseOutputFormat(request, original, accepts, policy);
        expect(format === request.format || accepts.has(format)).to.equal(true);
        const { output } = computeGeometry(original, request.box(), request.fit, limits, allowUpscale);
        const pixels = output.width * output.height;
        if (format === 'avif' && request.format !== 'avif') expect(pixels).to.be.at.most(avifMaxPixels);
        if (format === 'webp' && request.format !== 'webp') expect(pixels).to.be.at.most(webpMaxPixels);
        if (request.format !== 'jpeg' && request.format !== 'png') return;
        const expected = accepts.has('avif') && pixels <= avifMaxPixels ? 'avif' : accepts.has('webp') && pixels <= webpMaxPixels ? 'webp' : request.format;
        expect(format).to.equal(expected);
      }),
    );
  });

  it('is a function of its inputs: asking twice gives the same answer', () => {
    fc.assert(
      fc.property(worldArb, ({ lr: { limits, request }, original, accepts, negotiate, avifMaxPixels, webpMaxPixels, allowUpscale }) => {
        const policy = { negotiate, avifMaxPixels, webpMaxPixels, limits, allowUpscale };
        expect(chooseOutputFormat(request, original, accepts, policy)).to.deep.equal(chooseOutputFormat(request, original, new Set(accepts), policy));
      }),
    );
  });
});
