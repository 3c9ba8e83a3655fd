/** A latch: `wait()` blocks until `open()`. Starts open unless `close()` was called. */
export class Gate {
  private opened: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  close(): void {
    if (this.release !== undefined) return;
    this.opened = new Promise<void>((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release?.();
    this.release = undefined;
  }

  get isClosed(): boolean {
    return this.release !== undefined;
  }

  wait(): Promise<void> {
    return this.opened;
  }
}

/** Lets pending promise callbacks and I/O callbacks run once, so concurrent work can reach its next await. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
