import { expect } from 'chai';
import fc from 'fast-check';
import { DomainError } from '../../../src/domain/domain-error.js';
import { Token, TOKEN_BYTES, InvalidTokenSecretError } from '../../../src/domain/token.js';
import { imageIdArb } from './domain-arbitraries.js';

const secretArb = fc.uint8Array({ minLength: TOKEN_BYTES, maxLength: 64 });
const nowArb = fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2099-01-01T00:00:00Z'), noInvalidDate: true });
const ttlArb = fc.integer({ min: 1, max: 7 * 24 * 3600 });
const issueArb = fc.record({ imageId: imageIdArb, secret: secretArb, now: nowArb, ttlSeconds: ttlArb });

describe('Token', () => {
  describe('properties', () => {
    it('the hash of the issued value is the stored hash, and the value encodes the secret', () => {
      fc.assert(
        fc.property(issueArb, (input) => {
          const { value, token } = Token.issue(input);
          expect(Token.hashOf(value)).to.equal(token.hash);
          expect(token.hash).to.match(/^[0-9a-f]{64}$/);
          expect(value).to.match(/^[A-Za-z0-9_-]+$/); // base64url: safe in a header without escaping
          expect(value).to.equal(Buffer.from(input.secret).toString('base64url')); // the domain's own encoder agrees with Node's
          expect(token.hash).not.to.contain(value);
          expect(token.imageId).to.equal(input.imageId);
          expect(token.expiresAt.getTime()).to.equal(input.now.getTime() + input.ttlSeconds * 1000);
          expect(token.usedAt).to.equal(undefined);
        }),
      );
    });

    it('different secrets give different values and different hashes', () => {
      fc.assert(
        fc.property(issueArb, secretArb, (input, other) => {
          fc.pre(!Buffer.from(other).equals(Buffer.from(input.secret)));
          const a = Token.issue(input);
          const b = Token.issue({ ...input, secret: other });
          expect(a.value).not.to.equal(b.value);
          expect(a.token.hash).not.to.equal(b.token.hash);
        }),
      );
    });

    it('a fresh token is usable for its id until just before expiry and expired from then on', () => {
      fc.assert(
        fc.property(issueArb, fc.nat(), (input, offset) => {
          const { token } = Token.issue(input);
          const expiry = token.expiresAt.getTime();
          const before = new Date(input.now.getTime() + (offset % (input.ttlSeconds * 1000)));
          expect(token.check(input.imageId, before)).to.deep.equal({ ok: true });
          expect(token.isExpired(before)).to.equal(false);
          expect(token.check(input.imageId, new Date(expiry - 1))).to.deep.equal({ ok: true });
          expect(token.check(input.imageId, new Date(expiry))).to.deep.equal({ ok: false, reason: 'expired' });
          expect(token.isExpired(new Date(expiry))).to.equal(true);
          expect(token.check(input.imageId, new Date(expiry + offset))).to.deep.equal({ ok: false, reason: 'expired' });
        }),
      );
    });

    it('is rejected for any other id', () => {
      fc.assert(
        fc.property(issueArb, imageIdArb, (input, otherId) => {
          fc.pre(otherId !== input.imageId);
          const { token } = Token.issue(input);
          expect(token.check(otherId, input.now)).to.deep.equal({ ok: false, reason: 'wrong-id' });
        }),
      );
    });

    it('toPrimitives/fromPrimitives round-trips, used or not, without sharing Date objects', () => {
      fc.assert(
        fc.property(issueArb, fc.option(nowArb, { nil: undefined }), (input, usedAt) => {
          const issued = Token.issue(input).token;
          const token = Token.fromPrimitives({ ...issued.toPrimitives(), usedAt });
          const copy = Token.fromPrimitives(token.toPrimitives());
          expect(copy.toPrimitives()).to.deep.equal(token.toPrimitives());
          expect(copy.toPrimitives()).to.deep.equal({ hash: issued.hash, imageId: input.imageId, expiresAt: issued.expiresAt, usedAt });
          const primitives = { ...token.toPrimitives(), expiresAt: new Date(token.expiresAt) };
          const rebuilt = Token.fromPrimitives(primitives);
          primitives.expiresAt.setTime(0);
          expect(rebuilt.expiresAt.getTime()).to.equal(token.expiresAt.getTime());
        }),
      );
    });
  });

  describe('examples', () => {
    const now = new Date('2026-11-29T12:00:00.000Z');
    const secret = Uint8Array.from({ length: TOKEN_BYTES }, (_, i) => i);
    const imageId = 'photo_1' as never;

    it('a 16-byte secret becomes a 22-character base64url value', () => {
      const { value, token } = Token.issue({ imageId, secret, now, ttlSeconds: 900 });
      expect(value).to.equal('AAECAwQFBgcICQoLDA0ODw');
      expect(token.expiresAt.toISOString()).to.equal('2026-11-29T12:15:00.000Z');
    });

    it('a used token is rejected as used, before expiry or id are considered', () => {
      const { token } = Token.issue({ imageId, secret, now, ttlSeconds: 900 });
      const used = Token.fromPrimitives({ ...token.toPrimitives(), usedAt: now });
      expect(used.check(imageId, now)).to.deep.equal({ ok: false, reason: 'used' });
      expect(used.check('other' as never, new Date(now.getTime() + 3_600_000))).to.deep.equal({ ok: false, reason: 'used' });
    });

    it('an expired token for another id is rejected as expired', () => {
      const { token } = Token.issue({ imageId, secret, now, ttlSeconds: 900 });
      expect(token.check('other' as never, new Date('2026-11-29T12:15:00.000Z'))).to.deep.equal({ ok: false, reason: 'expired' });
    });

    it('refuses a secret shorter than 128 bits', () => {
      for (const length of [0, 1, TOKEN_BYTES - 1]) {
        const attempt = (): unknown => Token.issue({ imageId, secret: new Uint8Array(length), now, ttlSeconds: 900 });
        expect(attempt).to.throw(InvalidTokenSecretError, String(TOKEN_BYTES));
        try {
          attempt();
        } catch (error) {
          expect(error).to.be.instanceOf(DomainError);
          expect((error as InvalidTokenSecretError).code).to.equal('INVALID_TOKEN_SECRET');
        }
      }
      expect(() => Token.issue({ imageId, secret: new Uint8Array(TOKEN_BYTES), now, ttlSeconds: 900 })).not.to.throw();
    });

    it('hashOf is SHA-256 of the value as UTF-8, in hex', () => {
      expect(Token.hashOf('abc')).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
  });
});
