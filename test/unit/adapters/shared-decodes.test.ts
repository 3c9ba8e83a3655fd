import { expect } from 'chai';
import { jpegShrinkOnLoad } from '../../../src/adapters/sharp/jpeg-shrink-on-load.js';
import { SharedDecodes, type DecodedOriginal, type DecodeLease } from '../../../src/adapters/sharp/shared-decodes.js';

const MIB = 1024 * 1024;

/** A decode of `file`: 12 bytes that name it. */
const pixelsFor = (file: string): DecodedOriginal => ({ pixels: Buffer.from(file.padEnd(12, '.')), width: 2, height: 2, channels: 3 });

/**
 * `SharedDecodes.lease` with counted decodes and header reads; each lease is released at once unless `keep`. The
 * header gives `orientation` (1 by default) unless the file is not `sharable`; `usable` is the render's own check.
 */
function counting(decodes: SharedDecodes, options: { sharable?: boolean; fails?: boolean; orientation?: number } = {}) {
  const calls = { decodes: 0, headers: 0, decodedWith: [] as number[] };
  const take = async (file: string, factor = 4, bytes = 12, keep = false, usable?: (header: { orientation: number }) => boolean) => {
    const lease = await decodes.lease(
      file,
      factor,
      bytes,
      async ({ orientation }) => {
        calls.decodes += 1;
        calls.decodedWith.push(orientation);
        if (options.fails === true) throw new Error('corrupt');
        return { ...pixelsFor(file), orientation };
      },
      async () => {
        calls.headers += 1;
        return (options.sharable ?? true) ? { orientation: options.orientation ?? 1 } : undefined;
      },
      usable,
    );
    if (!keep) lease?.release();
    return lease;
  };
  return { calls, take };
}

const pixelsOf = (lease: DecodeLease | undefined) => lease?.decoded.pixels.toString();

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
    const { calls, take } = counting(new SharedDecodes(4 * MIB));
    expect(await take('/a')).to.equal(undefined);
    expect(pixelsOf(await take('/a'))).to.equal('/a..........');
    expect(pixelsOf(await take('/a'))).to.equal('/a..........');
    expect(calls).to.deep.equal({ decodes: 1, headers: 1, decodedWith: [1] });
  });

  it('keeps one decode per factor, and starts one decode for renders that ask at once', async () => {
    const { calls, take } = counting(new SharedDecodes(4 * MIB));
    await take('/a', 4);
    const together = await Promise.all([take('/a', 4), take('/a', 4), take('/a', 4)]);
    expect(together.map(pixelsOf)).to.deep.equal(['/a..........', '/a..........', '/a..........']);
    expect(pixelsOf(await take('/a', 8))).to.equal('/a..........');
    expect(calls.decodes).to.equal(2);
  });

  it('never decodes for a file that cannot be shared, and reads its header once', async () => {
    const { calls, take } = counting(new SharedDecodes(4 * MIB), { sharable: false });
    for (let i = 0; i < 4; i++) expect(await take('/rotated')).to.equal(undefined);
    expect(calls).to.deep.equal({ decodes: 0, headers: 1, decodedWith: [] });
  });

  it("lends no decode to a render that cannot use it (a turned file's crop), held or not, and hands the header's orientation to the decode", async () => {
    const { calls, take } = counting(new SharedDecodes(4 * MIB), { orientation: 6 });
    const upright = (header: { orientation: number }) => header.orientation === 1;
    await take('/turned', 4, 12, false, upright);
    expect(await take('/turned', 4, 12, false, upright)).to.equal(undefined);
    expect(calls).to.deep.equal({ decodes: 0, headers: 1, decodedWith: [] });
    const lease = await take('/turned');
    expect(lease?.decoded.orientation).to.equal(6);
    expect(calls).to.deep.equal({ decodes: 1, headers: 1, decodedWith: [6] });
    // One held already is lent only where the render's check says so too.
    expect(await take('/turned', 4, 12, false, upright)).to.equal(undefined);
    expect((await take('/turned'))?.decoded.orientation).to.equal(6);
    expect(calls.decodes).to.equal(1);
  });

  it('does not keep a decode that failed: the next render tries again', async () => {
    const { calls, take } = counting(new SharedDecodes(4 * MIB), { fails: true });
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

  it('holds no decode whose slab (whole MiB) is larger than half the budget, and none at all with a budget of 0', async () => {
    for (const [budget, bytes] of [
      [4 * MIB, 2 * MIB + 1],
      [0, 1],
    ] as const) {
      const { calls, take } = counting(new SharedDecodes(budget));
      for (let i = 0; i < 3; i++) expect(await take('/big', 4, bytes)).to.equal(undefined);
      expect(calls.decodes).to.equal(0);
    }
  });

  it('drops the least recently used idle decodes beyond the budget, reusing their slabs', async () => {
    const decodes = new SharedDecodes(4 * MIB);
    const { calls, take } = counting(decodes);
    for (const file of ['/a', '/b', '/c', '/d']) {
      await take(file, 4, 1.5 * MIB);
      await take(file, 4, 1.5 * MIB);
    }
    expect(decodes.size).to.deep.equal({ decodes: 2, bytes: 4 * MIB });
    expect(pixelsOf(await take('/d', 4, 1.5 * MIB))).to.equal('/d..........');
    expect(calls.decodes).to.equal(4);
    // /a was dropped: a render of it (still a recent file) decodes it again, in the slab of the idle /c.
    expect(pixelsOf(await take('/a', 4, 1.5 * MIB))).to.equal('/a..........');
    expect(calls.decodes).to.equal(5);
    expect(decodes.size).to.deep.equal({ decodes: 2, bytes: 4 * MIB });
  });

  it('allocates slabs in whole MiB, so that decodes of similar sizes reuse them', async () => {
    const decodes = new SharedDecodes(4 * MIB);
    const { take } = counting(decodes);
    for (const [file, bytes] of [
      ['/photo', 1_136_000],
      ['/big', 1_695_000],
      ['/other', 1_695_000],
    ] as const) {
      await take(file, 4, bytes);
      expect(pixelsOf(await take(file, 4, bytes))).to.equal(file.padEnd(12, '.'));
    }
    expect(decodes.size).to.deep.equal({ decodes: 2, bytes: 4 * MIB });
  });

  it('never reuses the slab of a decode a render still holds: it is dropped when that render releases it', async () => {
    const decodes = new SharedDecodes(4 * MIB);
    const { calls, take } = counting(decodes);
    await take('/a', 4, 1.5 * MIB);
    const heldA = await take('/a', 4, 1.5 * MIB, true);
    await take('/b', 4, 1.5 * MIB);
    const heldB = await take('/b', 4, 1.5 * MIB, true);
    // Both decodes are in use: /c gets no slab (the budget is taken), and their pixels stay as they were.
    await take('/c', 4, 1.5 * MIB);
    expect(await take('/c', 4, 1.5 * MIB)).to.equal(undefined);
    expect([pixelsOf(heldA), pixelsOf(heldB)]).to.deep.equal(['/a..........', '/b..........']);
    heldA!.release();
    expect(pixelsOf(await take('/c', 4, 1.5 * MIB))).to.equal('/c..........');
    expect(pixelsOf(heldB)).to.equal('/b..........');
    expect(calls.decodes).to.equal(3);
    expect(decodes.size).to.deep.equal({ decodes: 2, bytes: 4 * MIB });
  });

  it('counts a file as recent among the last 32 files rendered only: a file back after many others decodes itself', async () => {
    const { calls, take } = counting(new SharedDecodes(4 * MIB));
    for (let round = 0; round < 2; round++) for (let i = 0; i < 40; i++) expect(await take(`/library/${i}`)).to.equal(undefined);
    expect(calls.decodes).to.equal(0);
  });
});
