import { expect } from 'chai';
import fc from 'fast-check';
import { allowedBoxFor } from '../../../src/domain/allowed-sizes.js';
import { ImageRequest } from '../../../src/domain/image-request.js';
import type { Limits } from '../../../src/domain/limits.js';
import type { Box } from '../../../src/domain/scaling.js';
import { imageRequestArb, limitsArb, splitUrl } from './domain-arbitraries.js';

/** Limits with a list of allowed boxes inside them (a `0` side now and then, as `320x0` is). */
const limitsWithSizesArb: fc.Arbitrary<Limits> = limitsArb.chain((limits) =>
  fc
    .array(
      fc.record({
        width: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: limits.maxWidth })),
        height: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: limits.maxHeight })),
      }),
      { minLength: 1, maxLength: 6 },
    )
    .map((allowedSizes) => ({ ...limits, allowedSizes })),
);

const boxArb = (limits: Limits): fc.Arbitrary<Box> =>
  fc.record({
    width: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: limits.maxWidth })),
    height: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: limits.maxHeight })),
  });

const contains = (outer: Box, inner: Box): boolean =>
  (outer.width === 0 || (inner.width !== 0 && inner.width <= outer.width)) && (outer.height === 0 || (inner.height !== 0 && inner.height <= outer.height));
const areaIn = (limits: Limits) => (box: Box) => (box.width || limits.maxWidth) * (box.height || limits.maxHeight);

describe('allowedBoxFor (SPEC §8 allowed sizes)', () => {
  it('leaves an allowed box alone, and sends any other to the smallest allowed box containing it, else the largest', () => {
    fc.assert(
      fc.property(limitsWithSizesArb.chain((limits) => fc.tuple(fc.constant(limits), fc.oneof(boxArb(limits), fc.constantFrom(...(limits.allowedSizes ?? []))))), ([limits, box]) => {
        const allowed = limits.allowedSizes ?? [];
        const area = areaIn(limits);
        const result = allowedBoxFor(box, limits);
        const onList = allowed.some((entry) => entry.width === box.width && entry.height === box.height);
        if (onList) {
          expect(result).to.equal(undefined);
          return;
        }
        if (result === undefined) expect.fail(`${JSON.stringify(box)} is not on the list but was let through`);
        expect(allowed).to.deep.include(result.box);
        const containing = allowed.filter((entry) => contains(entry, box));
        expect(result.containsRequested).to.equal(containing.length > 0);
        if (containing.length > 0) {
          expect(contains(result.box, box)).to.equal(true);
          for (const entry of containing) expect(area(result.box)).to.be.at.most(area(entry));
        } else {
          for (const entry of allowed) expect(area(result.box)).to.be.at.least(area(entry));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('lets every box through without a list', () => {
    fc.assert(fc.property(limitsArb.chain((limits) => fc.tuple(fc.constant(limits), boxArb(limits))), ([limits, box]) => {
      expect(allowedBoxFor(box, limits)).to.equal(undefined);
      expect(allowedBoxFor(box, { ...limits, allowedSizes: [] })).to.equal(undefined);
    }));
  });

  it('parsing redirects every request off the list to a URL on the list that parses as valid, in one step', () => {
    fc.assert(
      fc.property(limitsWithSizesArb.chain((limits) => fc.tuple(fc.constant(limits), imageRequestArb(limits, 2))), ([limits, request]) => {
        const { path, query } = splitUrl(request.toUrl());
        const result = ImageRequest.parse(path, query, limits);
        if (result.kind === 'invalid') return expect.fail(result.error.message);
        const onList = (limits.allowedSizes ?? []).some((entry) => entry.width === result.request.box().width && entry.height === result.request.box().height);
        expect(result.kind).to.equal(onList ? 'valid' : 'redirect');
        if (result.kind !== 'redirect') return;
        expect(limits.allowedSizes).to.deep.include(result.target.box());
        expect(result.reason).to.match(/is not an allowed size|exceeds the limit/);
        const target = splitUrl(result.target.toUrl());
        expect(ImageRequest.parse(target.path, target.query, limits).kind).to.equal('valid');
      }),
      { numRuns: 1000 },
    );
  });
});
