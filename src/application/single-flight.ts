/**
 * One flight per key within this process: a caller that arrives while a flight for its key is in the air
 * shares that flight's result instead of doing the work again (SPEC §4 "single flight"). A flight lands, and the
 * next caller starts a new one, when its work fails or, when it succeeds, once the promise `landing(result)`
 * returns has settled: a result stays shared while the follow-up work on it (a background store) runs, so a
 * request arriving in that window neither renders again nor finds the cache still empty.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Promise<T>>();

  constructor(private readonly landing: (result: T) => Promise<unknown> | undefined = () => undefined) {}

  /** Joins the flight for `key`, or starts one with `work`; `shared` says whether another caller started it. */
  join(key: string, work: () => Promise<T>): { readonly result: Promise<T>; readonly shared: boolean } {
    const current = this.flights.get(key);
    if (current !== undefined) return { result: current, shared: true };
    let result: Promise<T>;
    try {
      result = work();
    } catch (error) {
      result = Promise.reject(error as Error);
    }
    this.flights.set(key, result);
    const land = (): void => {
      if (this.flights.get(key) === result) this.flights.delete(key);
    };
    result.then((value) => {
      const after = this.landing(value);
      if (after === undefined) land();
      else after.then(land, land);
    }, land);
    return { result, shared: false };
  }

  /** Flights in the air. */
  get size(): number {
    return this.flights.size;
  }
}
