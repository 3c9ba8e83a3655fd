import { expect } from 'chai';
import fc from 'fast-check';
import { StoreUnavailableError } from '../../../src/application/application-error.js';
import { assertObjectKey, objectKeyProblem } from '../../../src/application/object-key.js';

describe('object keys shared by every store', () => {
  it('accepts rendition keys, purge prefixes and unicode segments', () => {
    expect(objectKeyProblem('cat_01/0123456789abcdef/0123456789abcdef0123456789abcdef.jpg', 'key')).to.equal(undefined);
    expect(objectKeyProblem('cat_01/', 'prefix')).to.equal(undefined);
    expect(objectKeyProblem('cat_01/0123456789abcdef/', 'prefix')).to.equal(undefined);
    expect(objectKeyProblem('ünï/cödé.png', 'key')).to.equal(undefined);
  });

  it('refuses keys that could name another place than they spell', () => {
    for (const key of ['', '/etc/passwd', '../x', 'a/../b', 'a/./b', 'a//b', 'a/', 'a\\b', 'a\u0000b', 'a\nb']) {
      expect(objectKeyProblem(key, 'key'), JSON.stringify(key)).to.be.a('string');
      expect(() => assertObjectKey(key, 'key')).to.throw(StoreUnavailableError);
    }
    expect(objectKeyProblem('', 'prefix')).to.equal('is empty');
    expect(objectKeyProblem('a/../', 'prefix')).to.be.a('string');
  });

  it('never accepts a key with a dot segment, whatever surrounds it', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 3 }), fc.constantFrom('.', '..'), fc.array(segment, { maxLength: 3 }), (before, dot, after) => {
        expect(objectKeyProblem([...before, dot, ...after].join('/'), 'key')).to.be.a('string');
      }),
    );
  });
});
