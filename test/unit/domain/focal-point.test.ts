import { expect } from 'chai';
import fc from 'fast-check';
import { focalCrop, focalPointOf, InvalidFocalPointError, parseFocalPoint } from '../../../src/domain/focal-point.js';

const point = fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }) });

/** A crop's geometry: an output and the resized content that covers it (at least as large on both sides). */
const crop = fc
  .record({ width: fc.integer({ min: 1, max: 5000 }), height: fc.integer({ min: 1, max: 5000 }) })
  .chain((output) =>
    fc.record({
      output: fc.constant(output),
      content: fc.record({ width: fc.integer({ min: output.width, max: output.width + 5000 }), height: fc.integer({ min: output.height, max: output.height + 5000 }) }),
    }),
  );

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return expect.fail('expected a throw');
}

describe('focal point (SPEC §9)', () => {
  describe('focalCrop (properties)', () => {
    it('keeps the window inside the content, at whole pixels', () => {
      fc.assert(
        fc.property(crop, point, ({ content, output }, focus) => {
          const { left, top } = focalCrop(content, output, focus);
          expect(Number.isInteger(left) && Number.isInteger(top)).to.equal(true);
          expect(left).to.be.within(0, content.width - output.width);
          expect(top).to.be.within(0, content.height - output.height);
        }),
      );
    });

    it('always keeps the point inside the output', () => {
      fc.assert(
        fc.property(crop, point, ({ content, output }, focus) => {
          const { left, top } = focalCrop(content, output, focus);
          expect(focus.x * content.width - left).to.be.within(0, output.width);
          expect(focus.y * content.height - top).to.be.within(0, output.height);
        }),
      );
    });

    it('puts the point at the centre of the output, to the pixel, wherever the crop has room', () => {
      // A point at least half the output's side from each edge of the content.
      const roomyOn = (content: number, output: number): fc.Arbitrary<number> => {
        const min = output / 2 / content;
        return fc.double({ min, max: Math.max(min, 1 - min), noNaN: true });
      };
      const roomy = crop.chain((geometry) =>
        fc.tuple(fc.constant(geometry), fc.record({ x: roomyOn(geometry.content.width, geometry.output.width), y: roomyOn(geometry.content.height, geometry.output.height) })),
      );
      fc.assert(
        fc.property(roomy, ([{ content, output }, focus]) => {
          const { left, top } = focalCrop(content, output, focus);
          expect(Math.abs(focus.x * content.width - left - output.width / 2)).to.be.at.most(0.5);
          expect(Math.abs(focus.y * content.height - top - output.height / 2)).to.be.at.most(0.5);
        }),
      );
    });

    it('pushes the window against the edge the point is nearer to when the crop has no room', () => {
      expect(focalCrop({ width: 1000, height: 100 }, { width: 100, height: 100 }, { x: 0, y: 0.5 })).to.deep.equal({ left: 0, top: 0 });
      expect(focalCrop({ width: 1000, height: 100 }, { width: 100, height: 100 }, { x: 1, y: 0.5 })).to.deep.equal({ left: 900, top: 0 });
      expect(focalCrop({ width: 1000, height: 100 }, { width: 100, height: 100 }, { x: 0.5, y: 0.5 })).to.deep.equal({ left: 450, top: 0 });
    });
  });

  describe('reading a focal point', () => {
    it('accepts numbers and numeric text from 0 to 1, kept to four decimals', () => {
      expect(focalPointOf(0.25, '1')).to.deep.equal({ x: 0.25, y: 1 });
      expect(parseFocalPoint('0.123456,0')).to.deep.equal({ x: 0.1235, y: 0 });
    });

    it('refuses a coordinate outside 0…1 or not a number, naming it', () => {
      for (const [x, y, field] of [[1.5, 0, 'x'], [0, -0.1, 'y'], ['a', 0, 'x'], [0, null, 'y'], [0, '', 'y'], [Number.NaN, 0, 'x'], [0, '1e0', 'y']] as const) {
        const error = thrownBy(() => focalPointOf(x, y));
        expect(error, `${x},${y}`).to.be.instanceOf(InvalidFocalPointError);
        expect((error as InvalidFocalPointError).field).to.equal(field);
        expect((error as Error).message).to.match(new RegExp(`^${field} must be a number from 0 to 1`));
      }
    });

    it('refuses an upload field that is not two numbers, naming the field', () => {
      for (const text of ['0.5', '0.5,0.5,0.5', '', ',']) {
        const error = thrownBy(() => parseFocalPoint(text));
        expect(error, text).to.be.instanceOf(InvalidFocalPointError);
      }
      expect((thrownBy(() => parseFocalPoint('0.5')) as InvalidFocalPointError).field).to.equal('focal');
    });
  });
});
