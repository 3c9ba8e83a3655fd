import type { Clock } from '../../src/application/ports/clock.js';

/** A `Clock` that only moves when a test moves it, so expiry is tested without waiting. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date = new Date('2030-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }

  set(instant: Date): void {
    this.current = instant.getTime();
  }
}
