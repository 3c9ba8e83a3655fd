import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'chai';
import { IndexUnavailableError } from '../../src/application/application-error.js';
import type { TokenStore } from '../../src/application/ports/token-store.js';
import { Token, TOKEN_BYTES } from '../../src/domain/token.js';
import { uniqueId } from '../support/unique-id.js';

export interface TokenStoreSubject {
  readonly subject: TokenStore;
  /** Releases what `makeSubject` acquired; must also work after `simulateOutage`. */
  cleanup(): Promise<void>;
  /** Makes the backing database unreachable for this subject (e.g. destroys its connection pool). */
  simulateOutage(): Promise<void>;
}

const MINUTE = 60_000;

function issue(now: Date, ttlSeconds = 900): Token {
  return Token.issue({ imageId: uniqueId('tok_'), secret: randomBytes(TOKEN_BYTES), now, ttlSeconds }).token;
}

/** A random instant with milliseconds, in the present era, so nothing is accidentally a round second. */
function someNow(): Date {
  return new Date(Date.UTC(2030, 0, 1) + randomInt(0, 365 * 24 * 60 * MINUTE));
}

async function thrown(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  expect.fail('expected the call to throw');
}

/**
 * The behaviour every `TokenStore` adapter must show. Each test uses tokens of its own, so several
 * runs can share one database (`purgeExpired` is checked at instants no other test uses).
 */
export function describeTokenStoreContract(label: string, makeSubject: () => Promise<TokenStoreSubject>): void {
  describe(`TokenStore contract: ${label}`, () => {
    let made: TokenStoreSubject;
    let store: TokenStore;

    beforeEach(async () => {
      made = await makeSubject();
      store = made.subject;
    });

    afterEach(async () => {
      await made.cleanup();
    });

    it('finds nothing for an unknown hash, as undefined', async () => {
      expect(await store.find(Token.hashOf(randomBytes(16).toString('base64url')))).to.equal(undefined);
    });

    it('round-trips a saved token exactly, expiry to the millisecond', async () => {
      const token = issue(someNow());
      await store.save(token);
      const found = await store.find(token.hash);
      expect(found).to.be.instanceOf(Token);
      expect(found?.toPrimitives()).to.deep.equal(token.toPrimitives());
      expect(found?.usedAt).to.equal(undefined);
    });

    it('round-trips a token saved as used', async () => {
      const now = someNow();
      const used = Token.fromPrimitives({ ...issue(now).toPrimitives(), usedAt: new Date(now.getTime() + 1234) });
      await store.save(used);
      expect((await store.find(used.hash))?.toPrimitives()).to.deep.equal(used.toPrimitives());
    });

    it('refuses to save a hash twice, leaving the stored token as it was', async () => {
      const now = someNow();
      const token = issue(now);
      await store.save(token);
      expect(await store.claim(token.hash, now)).to.equal(true);
      await thrown(() => store.save(token));
      expect((await store.find(token.hash))?.usedAt?.getTime()).to.equal(now.getTime());
    });

    it('claims an unused, unexpired token once only, recording when', async () => {
      const now = someNow();
      const token = issue(now);
      await store.save(token);
      const at = new Date(now.getTime() + MINUTE + 7);
      expect(await store.claim(token.hash, at)).to.equal(true);
      expect((await store.find(token.hash))?.usedAt?.getTime()).to.equal(at.getTime());
      expect(await store.claim(token.hash, at)).to.equal(false);
      expect(await store.claim(token.hash, new Date(at.getTime() + 1))).to.equal(false);
      expect((await store.find(token.hash))?.usedAt?.getTime()).to.equal(at.getTime());
    });

    it('refuses to claim an unknown token', async () => {
      expect(await store.claim(Token.hashOf('never-issued'), someNow())).to.equal(false);
    });

    it('refuses to claim an expired token, from the expiry instant on', async () => {
      const now = someNow();
      const token = issue(now, 60);
      await store.save(token);
      expect(await store.claim(token.hash, token.expiresAt)).to.equal(false);
      expect(await store.claim(token.hash, new Date(token.expiresAt.getTime() + 1))).to.equal(false);
      expect((await store.find(token.hash))?.usedAt).to.equal(undefined);
      expect(await store.claim(token.hash, new Date(token.expiresAt.getTime() - 1))).to.equal(true);
    });

    it('refuses to claim a token saved as used', async () => {
      const now = someNow();
      const used = Token.fromPrimitives({ ...issue(now).toPrimitives(), usedAt: now });
      await store.save(used);
      expect(await store.claim(used.hash, now)).to.equal(false);
    });

    it('lets exactly one of 20 concurrent claims on one token win', async () => {
      const now = someNow();
      const token = issue(now);
      await store.save(token);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.claim(token.hash, now)));
      expect(results.filter((won) => won)).to.have.length(1);
    });

    it('makes a claimed token claimable again after release; release is idempotent', async () => {
      const now = someNow();
      const token = issue(now);
      const other = issue(now);
      await store.save(token);
      await store.save(other);
      expect(await store.claim(token.hash, now)).to.equal(true);
      expect(await store.claim(other.hash, now)).to.equal(true);
      await store.release(token.hash);
      await store.release(token.hash);
      expect((await store.find(token.hash))?.usedAt).to.equal(undefined);
      expect((await store.find(other.hash))?.usedAt?.getTime(), 'other token untouched').to.equal(now.getTime());
      expect(await store.claim(token.hash, now)).to.equal(true);
      await store.release(Token.hashOf('never-issued'));
    });

    it('does not make an expired token claimable by releasing it', async () => {
      const now = someNow();
      const token = issue(now, 60);
      await store.save(token);
      expect(await store.claim(token.hash, now)).to.equal(true);
      await store.release(token.hash);
      expect(await store.claim(token.hash, token.expiresAt)).to.equal(false);
    });

    it('purges only tokens expired at `now`, used or not, and returns how many', async () => {
      // Instants in 1970–1990: every other test's tokens expire later, so the count is this test's alone.
      const now = new Date(randomInt(MINUTE * 10, Date.UTC(1990, 0, 1)));
      const expiredLongAgo = issue(new Date(now.getTime() - 10 * MINUTE), 60);
      const expiringNow = issue(new Date(now.getTime() - MINUTE), 60);
      const expiredUsed = Token.fromPrimitives({ ...issue(new Date(now.getTime() - 5 * MINUTE), 60).toPrimitives(), usedAt: now });
      const live = issue(new Date(now.getTime() - MINUTE + 1), 60);
      const liveUsed = Token.fromPrimitives({ ...issue(now, 60).toPrimitives(), usedAt: now });
      for (const t of [expiredLongAgo, expiringNow, expiredUsed, live, liveUsed]) await store.save(t);

      expect(await store.purgeExpired(now)).to.equal(3);
      for (const t of [expiredLongAgo, expiringNow, expiredUsed]) expect(await store.find(t.hash)).to.equal(undefined);
      expect((await store.find(live.hash))?.toPrimitives()).to.deep.equal(live.toPrimitives());
      expect((await store.find(liveUsed.hash))?.toPrimitives()).to.deep.equal(liveUsed.toPrimitives());
      expect(await store.purgeExpired(now)).to.equal(0);

      // Leave nothing behind that a later run's purge could count.
      expect(await store.purgeExpired(new Date(now.getTime() + 2 * MINUTE))).to.equal(2);
    });

    it('turns an outage into IndexUnavailableError with a cause, from every method', async () => {
      const now = someNow();
      const token = issue(now);
      await made.simulateOutage();
      const calls: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
        ['save', () => store.save(token)],
        ['find', () => store.find(token.hash)],
        ['claim', () => store.claim(token.hash, now)],
        ['release', () => store.release(token.hash)],
        ['purgeExpired', () => store.purgeExpired(now)],
      ];
      for (const [name, call] of calls) {
        const error = await thrown(call);
        expect(error, name).to.be.instanceOf(IndexUnavailableError);
        expect((error as Error).cause, `${name} cause`).to.not.equal(undefined);
      }
    });
  });
}

