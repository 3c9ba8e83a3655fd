import { expect } from 'chai';
import fc from 'fast-check';
import { createUrlSigner, UrlSigningKeys } from '../../../src/adapters/http/url-signing-keys.js';
import { readSignature, signUrl } from '../../../src/domain/url-signature.js';

const keyArb = fc.string({ minLength: 16, maxLength: 40 });
/** Paths and queries as image URLs spell them, including `&`, `=` and `sig`-like text before the end. */
const urlArb = fc
  .tuple(
    fc.stringMatching(/^\/[A-Za-z0-9_-]{1,20}(_\d{1,4}_\d{1,4}(_\d(\.\d\d?)?x)?)?\.(jpg|png|webp)$/),
    fc.array(fc.tuple(fc.constantFrom('fit', 'quality', 'bg', 'sig', 'sigma', 'x'), fc.stringMatching(/^[A-Za-z0-9]{0,6}$/)), { maxLength: 4 }),
  )
  .map(([path, options]) => (options.length === 0 ? path : `${path}?${options.map(([k, v]) => `${k}=${v}`).join('&')}`));

/** One change to the signed part: a character replaced, inserted or removed. */
const changeArb = (text: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.nat(text.length), fc.constantFrom('replace', 'insert', 'remove'), fc.constantFrom(...'aZ09_-.&=?/%'))
    .map(([at, how, char]) => {
      const i = Math.min(at, text.length - 1);
      if (how === 'insert') return `${text.slice(0, at)}${char}${text.slice(at)}`;
      if (how === 'remove') return `${text.slice(0, i)}${text.slice(i + 1)}`;
      return `${text.slice(0, i)}${text[i] === char ? (char === 'a' ? 'b' : 'a') : char}${text.slice(i + 1)}`;
    })
    .filter((changed) => changed !== text && changed.startsWith('/'));

describe('URL signatures (SPEC §8)', () => {
  it('a URL signed by any configured key verifies; the first key signs', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 4 }), fc.nat(), urlArb, (keys, pick, url) => {
        const signing = new UrlSigningKeys(keys);
        const key = keys[pick % keys.length] as string;
        expect(signing.check(signUrl(url, createUrlSigner(key)))).to.equal('valid');
        expect(signUrl(url, signing.sign)).to.equal(signUrl(url, createUrlSigner(keys[0] as string)));
      }),
    );
  });

  it('any change to the signed part invalidates the signature', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 3 }), urlArb.chain((url) => fc.tuple(fc.constant(url), changeArb(url))), (keys, [url, changed]) => {
        const signed = signUrl(url, createUrlSigner(keys[0] as string));
        const reading = readSignature(signed);
        if (reading.kind !== 'signed') return expect.fail(signed);
        expect(reading.signedPart).to.equal(url);
        const forged = `${changed}${changed.includes('?') ? '&' : '?'}sig=${reading.signature}`;
        expect(new UrlSigningKeys(keys).check(forged), forged).to.equal('mismatch');
      }),
      { numRuns: 2000 },
    );
  });

  it('a key that is not configured, or a changed signature, does not verify', () => {
    fc.assert(
      fc.property(keyArb, keyArb, urlArb, (configured, other, url) => {
        fc.pre(configured !== other);
        const signing = new UrlSigningKeys([configured]);
        expect(signing.check(signUrl(url, createUrlSigner(other)))).to.equal('mismatch');
        const signed = signUrl(url, signing.sign);
        expect(signing.check(`${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`)).to.equal('mismatch');
        expect(signing.check(`${signed}A`)).to.equal('mismatch');
      }),
    );
  });

  it('reads a signature only as the last parameter', () => {
    const signing = new UrlSigningKeys(['0123456789abcdef']);
    const signed = signUrl('/cat_1_1.jpg?fit=crop', signing.sign);
    expect(signing.check('/cat_1_1.jpg')).to.equal('missing');
    expect(signing.check('/cat_1_1.jpg?fit=crop')).to.equal('missing');
    expect(signing.check(`${signed}&fit=clip`)).to.equal('missing');
    expect(signing.check(`${signed.replace('sig=', 'sig2=')}`)).to.equal('missing');
    expect(signing.check('/cat_1_1.jpg?sig=')).to.equal('mismatch');
    expect(readSignature('/a.jpg?sig=x&b=1&sig=abc')).to.deep.equal({ kind: 'signed', signedPart: '/a.jpg?sig=x&b=1', signature: 'abc' });
  });

  it('matches an HMAC-SHA256 computed elsewhere (base64url, no padding)', () => {
    // printf '/cat_300_200.jpg?fit=crop' | openssl dgst -sha256 -hmac 'secret-key-of-16+' -binary | basenc --base64url | tr -d =
    expect(signUrl('/cat_300_200.jpg?fit=crop', createUrlSigner('secret-key-of-16+'))).to.equal('/cat_300_200.jpg?fit=crop&sig=pnLZm8dGU16br5D1CUZ-RVjCZKnD4RHIT0Iqp_sgfrk');
  });
});

describe('createUrlSigner', () => {
  it('refuses to run in a browser, where the key would reach every visitor', () => {
    const global = globalThis as { document?: unknown };
    global.document = {};
    try {
      expect(() => createUrlSigner('0123456789abcdef')).to.throw(/server/);
    } finally {
      delete global.document;
    }
    expect(createUrlSigner('0123456789abcdef')('/a.jpg')).to.match(/^[A-Za-z0-9_-]{43}$/);
  });
});
