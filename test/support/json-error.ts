import { expect } from 'chai';

export interface JsonError {
  readonly code: string;
  readonly message: string;
}

/**
 * Asserts that `response` is a JSON error (the one shape of src/adapters/http/error-table.ts) with the
 * given status — or any 4xx for `'4xx'` — and, when given, the given code; returns the error.
 */
export async function expectJsonError(response: Response, status: number | '4xx', code?: string, what = response.url): Promise<JsonError> {
  if (status === '4xx') expect(response.status, `status of ${what}`).to.be.within(400, 499);
  else expect(response.status, `status of ${what}`).to.equal(status);
  expect(response.headers.get('content-type'), what).to.match(/^application\/json/);
  const body = (await response.json()) as { error: JsonError };
  expect(body.error.code, what).to.be.a('string');
  expect(body.error.message, what).to.be.a('string').and.not.equal('');
  if (code !== undefined) expect(body.error.code, what).to.equal(code);
  return body.error;
}

/** A 503 that tells the client when to come back (`Retry-After`), with the given code. */
export async function expectUnavailable(response: Response, code: string): Promise<JsonError> {
  expect(response.headers.get('retry-after'), `Retry-After of ${response.url}`).to.match(/^\d+$/);
  return expectJsonError(response, 503, code);
}
