import { expect } from 'chai';
import { SingleFlight } from '../../../src/application/single-flight.js';
import { Gate, settle } from '../../support/gate.js';
import { expectRejection } from '../../support/rejection.js';

describe('SingleFlight', () => {
  it('runs the work once for callers that join while it is in the air; the first is not shared, the rest are', async () => {
    const flights = new SingleFlight<number>();
    const gate = new Gate();
    gate.close();
    let runs = 0;
    const work = async () => {
      runs += 1;
      await gate.wait();
      return 42;
    };
    const joined = [flights.join('k', work), flights.join('k', work), flights.join('k', work)];
    expect(joined.map((j) => j.shared)).to.deep.equal([false, true, true]);
    gate.open();
    expect(await Promise.all(joined.map((j) => j.result))).to.deep.equal([42, 42, 42]);
    expect(runs).to.equal(1);
  });

  it('keys are independent', async () => {
    const flights = new SingleFlight<string>();
    const [a, b] = [flights.join('a', async () => 'A'), flights.join('b', async () => 'B')];
    expect([a.shared, b.shared]).to.deep.equal([false, false]);
    expect([await a.result, await b.result]).to.deep.equal(['A', 'B']);
  });

  it('a failed flight is shared by those already waiting, then forgotten: the next caller starts afresh', async () => {
    const flights = new SingleFlight<number>();
    const first = flights.join('k', () => Promise.reject(new TypeError('boom')));
    const second = flights.join('k', async () => 1);
    await expectRejection(first.result, TypeError);
    await expectRejection(second.result, TypeError);
    await settle();
    expect(flights.size).to.equal(0);
    const third = flights.join('k', async () => 3);
    expect(third.shared).to.equal(false);
    expect(await third.result).to.equal(3);
  });

  it('work that throws before returning a promise fails its flight instead of the caller', async () => {
    const flights = new SingleFlight<number>();
    const joined = flights.join('k', () => {
      throw new RangeError('sync');
    });
    await expectRejection(joined.result, RangeError);
  });

  it('a result stays shared until its landing settles (resolved or rejected), then the key is free', async () => {
    for (const outcome of ['resolve', 'reject'] as const) {
      const landing = new Gate();
      landing.close();
      const flights = new SingleFlight<number>(() => landing.wait().then(() => (outcome === 'reject' ? Promise.reject(new Error('store failed')) : undefined)));
      expect(await flights.join('k', async () => 1).result).to.equal(1);
      await settle();
      const during = flights.join('k', async () => 2);
      expect(during.shared).to.equal(true);
      expect(await during.result).to.equal(1);

      landing.open();
      await settle();
      await settle();
      expect(flights.size).to.equal(0);
      const after = flights.join('k', async () => 3);
      expect([after.shared, await after.result]).to.deep.equal([false, 3]);
    }
  });
});
