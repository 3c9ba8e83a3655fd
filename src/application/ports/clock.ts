/** The current time; a port so that expiry is testable without waiting. */
export interface Clock {
  now(): Date;
}
