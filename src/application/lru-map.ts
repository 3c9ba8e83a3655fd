/** A value and when it last moved to the back of the order (in `LruMap.moves`). */
interface Slot<V> {
  readonly value: V;
  moved: number;
}

/**
 * A map that keeps at most `capacity` units of weight (one per entry unless `weigh` says otherwise), dropping
 * the least recently used entries first. `Map` keeps insertion order, so re-inserting an entry when it is read
 * makes the first key the least recently used one: no list of its own to keep in step.
 *
 * Nearly: an entry read while it is still among the newest quarter of the order is not moved (a delete and an
 * insert into a large `Map` on every hit were a measurable share of a cache hit, and their holes made the `Map`
 * rebuild itself). Such an entry is at most `size / 4` places from the back, so with unit weights anything used
 * within the last `capacity / 2` reads and writes is still there. Only which entry goes first can differ from a
 * strict LRU, never what is kept at most.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, Slot<V>>();
  private weight = 0;
  /** Counts the moves to the back of the order: an entry's distance from the back is at most `moves - slot.moved`. */
  private moves = 0;

  constructor(
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The total weight held now. */
  get held(): number {
    return this.weight;
  }

  /** Whether `key` is held; unlike `get`, not a use. */
  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** The value, now (nearly) the most recently used, or `undefined`. */
  get(key: K): V | undefined {
    const slot = this.entries.get(key);
    if (slot === undefined) return undefined;
    if (this.moves - slot.moved >= this.entries.size >> 2) {
      this.entries.delete(key);
      this.entries.set(key, slot);
      slot.moved = ++this.moves;
    }
    return slot.value;
  }

  /** Keeps `value` as the most recently used entry; one heavier than the whole capacity is not kept at all. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.capacity) return;
    this.entries.set(key, { value, moved: ++this.moves });
    this.weight += weight;
    for (const [oldest, dropped] of this.entries) {
      if (this.weight <= this.capacity) break;
      this.entries.delete(oldest);
      this.weight -= this.weigh(dropped.value);
    }
  }

  delete(key: K): void {
    const slot = this.entries.get(key);
    if (slot === undefined) return;
    this.entries.delete(key);
    this.weight -= this.weigh(slot.value);
  }

  /** Drops every entry `matches` picks; a walk over all of them. */
  deleteWhere(matches: (value: V, key: K) => boolean): void {
    for (const [key, slot] of this.entries) if (matches(slot.value, key)) this.delete(key);
  }
}
