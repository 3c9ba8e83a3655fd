import { expect } from 'chai';
import fc from 'fast-check';
import { LruMap } from '../../../src/application/lru-map.js';

type Op = { readonly kind: 'set'; readonly key: number; readonly value: number } | { readonly kind: 'get'; readonly key: number } | { readonly kind: 'delete'; readonly key: number };

const ops = (keys: number): fc.Arbitrary<Op[]> =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(keys - 1), value: fc.integer({ min: 1, max: 9 }) }),
      fc.record({ kind: fc.constant('get' as const), key: fc.nat(keys - 1) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(keys - 1) }),
    ),
    { minLength: 50, maxLength: 300 },
  );

/** A strict LRU over an array, most recently used last. */
class StrictLru {
  readonly order: Array<[number, number]> = [];
  constructor(private readonly capacity: number) {}
  get(key: number): number | undefined {
    const at = this.order.findIndex(([k]) => k === key);
    if (at < 0) return undefined;
    const [entry] = this.order.splice(at, 1);
    this.order.push(entry!);
    return entry![1];
  }
  set(key: number, value: number): void {
    this.delete(key);
    this.order.push([key, value]);
    while (this.order.length > this.capacity) this.order.shift();
  }
  delete(key: number): void {
    const at = this.order.findIndex(([k]) => k === key);
    if (at >= 0) this.order.splice(at, 1);
  }
}

describe('LruMap', () => {
  it('below eight entries is a strict LRU: the same answers as a model, for any sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), ops(12), (capacity, sequence) => {
        const lru = new LruMap<number, number>(capacity);
        const model = new StrictLru(capacity);
        for (const op of sequence) {
          if (op.kind === 'set') {
            lru.set(op.key, op.value);
            model.set(op.key, op.value);
          } else if (op.kind === 'get') expect(lru.get(op.key)).to.equal(model.get(op.key));
          else {
            lru.delete(op.key);
            model.delete(op.key);
          }
          expect(lru.size).to.equal(model.order.length);
        }
      }),
    );
  });

  it('at any size keeps whatever was used within the last capacity / 2 operations, and never more than capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 16 }), ops(24), (capacity, sequence) => {
        const lru = new LruMap<number, number>(capacity);
        const values = new Map<number, number>();
        const lastUse = new Map<number, number>();
        sequence.forEach((op, at) => {
          if (op.kind === 'set') {
            lru.set(op.key, op.value);
            values.set(op.key, op.value);
            lastUse.set(op.key, at);
          } else if (op.kind === 'get') {
            const got = lru.get(op.key);
            if (got !== undefined) {
              expect(got).to.equal(values.get(op.key));
              lastUse.set(op.key, at);
            }
          } else {
            lru.delete(op.key);
            values.delete(op.key);
            lastUse.delete(op.key);
          }
          expect(lru.size).to.be.at.most(capacity);
          for (const [key, used] of lastUse) {
            if (at - used < capacity / 2) expect(lru.has(key), `key ${key} used at ${used}, now ${at}`).to.equal(true);
          }
        });
      }),
    );
  });

  it('weighs entries: keeps at most capacity units and nothing heavier than the whole', () => {
    const lru = new LruMap<string, string>(10, (value) => value.length);
    lru.set('a', 'xxxx');
    lru.set('b', 'yyyy');
    lru.set('c', 'zzzz');
    expect([lru.get('a'), lru.held]).to.deep.equal([undefined, 8]);
    lru.set('huge', 'x'.repeat(11));
    expect([lru.get('huge'), lru.size]).to.deep.equal([undefined, 2]);
  });
});
