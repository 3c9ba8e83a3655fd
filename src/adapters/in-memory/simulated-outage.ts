/**
 * The outage switch of the in-memory fakes, so a test can show how callers cope with a port that fails:
 * after `fail(cause)` every call of the fake throws the port's own failure (`StoreUnavailableError`,
 * `IndexUnavailableError`) with that cause, until `recover()`. What is stored survives the outage.
 */
export abstract class SimulatedOutage {
  private outage: { readonly cause: unknown } | undefined;

  protected constructor(
    /** `original store`, `cache index`…: the words of the failure's message. */
    private readonly what: string,
    private readonly failure: new (message: string, options: { cause: unknown }) => Error,
  ) {}

  /** Simulates an outage: from now on every call throws the port's failure with `cause`. */
  fail(cause: unknown = new Error(`simulated ${this.what} outage`)): void {
    this.outage = { cause };
  }

  /** Ends a simulated outage; what was stored is as it was before it. */
  recover(): void {
    this.outage = undefined;
  }

  /** Whether an outage is being simulated. */
  get failing(): boolean {
    return this.outage !== undefined;
  }

  protected throwIfFailing(): void {
    if (this.outage !== undefined) throw new this.failure(`${this.what} unavailable (simulated outage)`, { cause: this.outage.cause });
  }
}
