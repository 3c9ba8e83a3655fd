import { expect } from 'chai';

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, but it resolved with ${JSON.stringify(value)?.slice(0, 200)}`),
    (error: unknown) => error,
  );
}

/** Asserts that `promise` rejects with an instance of `type` and returns the error. */
export async function expectRejection<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const error = await rejectionOf(promise);
  expect(error).to.be.instanceOf(type);
  return error as T;
}
