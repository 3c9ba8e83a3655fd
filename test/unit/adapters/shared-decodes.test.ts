import { expect } from 'chai';
import { jpegShrinkOnLoad } from '../../../src/adapters/sharp/jpeg-shrink-on-load.js';
import { SharedDecodes, type DecodedOriginal } from '../../../src/adapters/sharp/shared-decodes.js';

const PIXELS: DecodedOriginal = { pixels: Buffer.alloc(12), width: 2, height: 2, channels: 3 };

/** A `SharedDecodes` call with counted decodes and header reads. */
function counting(decodes: SharedDecodes, options: { sharable?: boolean; fails?: boolean } = {}) {
  const calls = { decodes: 0, headers: 0 };
  const take = (file: string, factor = 4, bytes = 12) =>
    decodes.decodeFor(
      file,
      factor,
      bytes,
      async () => {
        calls.decodes += 1;
        if (options.fails === true) throw new Error('corrupt');
        return PIXELS;
      },
      async () => {
        calls.headers += 1;
        return options.sharable ?? true;
      },
    );
  return { calls, take };
}

describe('jpegShrinkOnLoad: the factor sharp decodes a JPEG at', () => {
  it('is the smaller axis ratio rounded down to 8, 4 or 2', () => {
    expect(jpegShrinkOnLoad(2725, 2225, 512, 418)).to.equal(4);
    expect(jpegShrinkOnLoad(7360, 4912, 500, 334)).to.equal(8);
    expect(jpegShrinkOnLoad(1800, 1200, 600, 400)).to.equal(2);
    expect(jpegShrinkOnLoad(1800, 1200, 1000, 667)).to.equal(1);
    expect(jpegShrinkOnLoad(1000, 1000, 2000, 2000)).to.equal(1);
  });

  it('uses the smaller of the two ratios (a crop keeps the axis that shrinks less)', () => {
    expect(jpegShrinkOnLoad(4000, 1000, 100, 100)).to.equal(8);
    expect(jpegShrinkOnLoad(4000, 1000, 100, 300)).to.equal(2);
  });

  it("halves the factor when the ratio's integer part equals it (sharp's guard against libjpeg rounding)", () => {
    expect(jpegShrinkOnLoad(2000, 2000, 500, 500)).to.equal(2);
    expect(jpegShrinkOnLoad(2000, 2000, 450, 450)).to.equal(2);
    expect(jpegShrinkOnLoad(2000, 2000, 399, 399)).to.equal(4);
    expect(jpegShrinkOnLoad(8000, 8000, 1000, 1000)).to.equal(4);
    expect(jpegShrinkOnLoad(9000, 9000, 1000, 1000)).to.equal(8);
    expect(jpegShrinkOnLoad(4000, 1000, 100, 400)).to.equal(1);
    expect(jpegShrinkOnLoad(2000, 2000, 1000, 1000)).to.equal(1);
  });
});

describe('SharedDecodes', () => {
  it('lets the first render of a file decode it itself, decodes once for the second, and shares it with later ones', async () => {
    const { calls, take } = counting(new SharedDecodes(1000));
    expect(await take('/a')).to.equal(undefined);
    expect(await take('/a')).to.equal(PIXELS);
    expect(await take('/a')).to.equal(PIXELS);
    expect(calls).to.deep.equal({ decodes: 1, headers: 1 });
  });

  it('keeps one decode per factor, and starts one decode for renders that ask at once', async () => {
    const { calls, take } = counting(new SharedDecodes(1000));
    await take('/a', 4);
    const together = await Promise.all([take('/a', 4), take('/a', 4), take('/a', 4)]);
    expect(together).to.deep.equal([PIXELS, PIXELS, PIXELS]);
    expect(await take('/a', 8)).to.equal(PIXELS);
    expect(calls.decodes).to.equal(2);
  });

  it('never decodes for a file that cannot be shared, and reads its header once', async () => {
    const { calls, take } = counting(new SharedDecodes(1000), { sharable: false });
    for (let i = 0; i < 4; i++) expect(await take('/rotated')).to.equal(undefined);
    expect(calls).to.deep.equal({ decodes: 0, headers: 1 });
  });

  it('does not keep a decode that failed: the next render tries again', async () => {
    const { calls, take } = counting(new SharedDecodes(1000), { fails: true });
    await take('/bad');
    for (let i = 0; i < 2; i++) {
      const error = await take('/bad').then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(String(error)).to.match(/corrupt/);
    }
    expect(calls.decodes).to.equal(2);
  });

  it('holds no decode larger than half the budget, and none at all with a budget of 0', async () => {
    for (const [budget, bytes] of [
      [1000, 501],
      [0, 1],
    ] as const) {
      const { calls, take } = counting(new SharedDecodes(budget));
      for (let i = 0; i < 3; i++) expect(await take('/big', 4, bytes)).to.equal(undefined);
      expect(calls.decodes).to.equal(0);
    }
  });

  it('drops the least recently used decodes beyond the budget', async () => {
    const decodes = new SharedDecodes(1000);
    const { take } = counting(decodes);
    for (const file of ['/a', '/b', '/c']) {
      await take(file, 4, 400);
      await take(file, 4, 400);
    }
    expect(decodes.size).to.deep.equal({ decodes: 2, bytes: 800 });
  });

  it('counts a file as recent among the last 32 files rendered only: a file back after many others decodes itself', async () => {
    const { calls, take } = counting(new SharedDecodes(1000));
    for (let round = 0; round < 2; round++) for (let i = 0; i < 40; i++) expect(await take(`/library/${i}`)).to.equal(undefined);
    expect(calls.decodes).to.equal(0);
  });
});
