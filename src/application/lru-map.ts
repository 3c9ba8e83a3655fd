/**
 * A map that keeps at most `capacity` units of weight (one per entry unless `weigh` says otherwise), dropping
 * the least recently used entries first. `Map` keeps insertion order, so re-inserting on every read makes its
 * first key the least recently used one: no list of its own to keep in step.
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();
  private weight = 0;

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

  /** The value, now the most recently used, or `undefined`. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Keeps `value` as the most recently used entry; one heavier than the whole capacity is not kept at all. */
  set(key: K, value: V): void {
    this.delete(key);
    const weight = this.weigh(value);
    if (weight > this.capacity) return;
    this.entries.set(key, value);
    this.weight += weight;
    for (const [oldest, dropped] of this.entries) {
      if (this.weight <= this.capacity) break;
      this.entries.delete(oldest);
      this.weight -= this.weigh(dropped);
    }
  }

  delete(key: K): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.weight -= this.weigh(value);
  }

  /** Drops every entry `matches` picks; a walk over all of them. */
  deleteWhere(matches: (value: V, key: K) => boolean): void {
    for (const [key, value] of this.entries) if (matches(value, key)) this.delete(key);
  }
}
