import { expect } from 'chai';
import fc from 'fast-check';
import { OUTPUT_FORMATS } from '../../../src/domain/image-format.js';
import { imagePrefix, objectKeyProblem, originalObjectKey, renditionObjectKey, renditionPrefix } from '../../../src/domain/object-key.js';
import { contentVersionArb, imageIdArb } from './domain-arbitraries.js';

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

  it('the layout of originals and renditions stays inside the grammar and under its id (properties)', () => {
    const fingerprintArb = fc.stringMatching(/^[0-9a-f]{32}$/);
    fc.assert(
      fc.property(imageIdArb, contentVersionArb, fingerprintArb, fc.constantFrom(...OUTPUT_FORMATS), (id, version, fingerprint, format) => {
        const original = { id, version };
        const keys = [originalObjectKey(original), renditionObjectKey(original, fingerprint, format)];
        for (const key of keys) expect(objectKeyProblem(key, 'key'), key).to.equal(undefined);
        for (const prefix of [imagePrefix(id), renditionPrefix(original)]) expect(objectKeyProblem(prefix, 'prefix'), prefix).to.equal(undefined);
        // A DELETE purges `imagePrefix`, an overwrite `renditionPrefix`: each must cover what it is meant to remove.
        expect(keys.every((key) => key.startsWith(imagePrefix(id)))).to.equal(true);
        expect(keys[1]!.startsWith(renditionPrefix(original))).to.equal(true);
        expect(keys[0]!.startsWith(renditionPrefix(original))).to.equal(false);
      }),
    );
  });
});
