import { expect } from 'chai';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { assertObjectKey } from '../../../src/application/object-key.js';

describe('assertObjectKey', () => {
  it("throws the stores' declared failure for a key the grammar refuses, naming why", () => {
    for (const key of ['', '/etc/passwd', 'a/../b', 'a\\b']) {
      expect(() => assertObjectKey(key, 'key'), JSON.stringify(key)).to.throw(StoreUnavailableError, /refused object key/);
    }
    expect(() => assertObjectKey('cat_01/', 'prefix')).to.not.throw();
  });
});
