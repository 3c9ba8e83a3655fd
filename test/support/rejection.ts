import { expect } from 'chai';
import { StoreUnavailableError } from '../../src/application/application-error.js';

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>, what?: string): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`${what === undefined ? '' : `${what}: `}expected a rejection, but it resolved with ${JSON.stringify(value)?.slice(0, 200)}`),
    (error: unknown) => error,
  );
}

/** Asserts that `promise` rejects with an instance of `type` and returns the error; `what` names the step. */
export async function expectRejection<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T, what?: string): Promise<T> {
  const error = await rejectionOf(promise, what);
  expect(error, what).to.be.instanceOf(type);
  return error as T;
}

/** What every store contract expects of a store that cannot be reached or refuses a key. */
export function expectStoreUnavailable(promise: Promise<unknown>, what: string): Promise<StoreUnavailableError> {
  return expectRejection(promise, StoreUnavailableError, what);
}
