import { expect } from 'chai';
import { Boxes } from '../../../bench/lib/cold.js';

describe('bench cold boxes', () => {
  const image = { id: 'photo', file: 'photo.jpg', description: 'test', copies: 3, widths: 4 };
  const outputs = (boxes: Boxes, count: number): string[] =>
    Array.from({ length: count }, () => {
      const box = boxes.take();
      return `${box.image.id}@${box.width}`;
    });

  it('asks each copy for its widths in a row, then the next copy', () => {
    expect(outputs(new Boxes(image, 512), 6)).to.deep.equal(['photo@512', 'photo@513', 'photo@514', 'photo@515', 'photo-1@512', 'photo-1@513']);
  });

  it('never asks for an output twice, also after every copy has had every width', () => {
    for (const apart of [false, true]) {
      const seen = outputs(new Boxes(image, 512, apart), 3 * 4 * 5);
      expect(new Set(seen).size, apart ? 'originals apart' : 'in a row').to.equal(seen.length);
    }
  });

  it('moves the widths up by a whole band once they are used up', () => {
    const seen = outputs(new Boxes(image, 512), 3 * 4 + 2);
    expect(seen.slice(-2)).to.deep.equal(['photo@516', 'photo@517']);
  });
});
