import { expect } from 'chai';
import { IndexUnavailableError } from '../../src/application/application-error.js';
import type { HeldRenditionLock, RenditionLock } from '../../src/application/ports/rendition-lock.js';
import { uniqueId } from '../support/unique-id.js';

export interface RenditionLockSubject {
  readonly subject: RenditionLock;
  /**
   * A second client of the same lock space, as another replica would hold it: a separate instance with its own
   * connections for PostgreSQL; the same instance where locks only exclude within one process.
   */
  readonly other: RenditionLock;
  cleanup(): Promise<void>;
  /**
   * Kills whatever keeps `key` locked the way a crash would (PostgreSQL: `pg_terminate_backend` on the
   * holder's session). Absent where a lock can only die with its whole process.
   */
  killHolder?(key: string): Promise<void>;
  /** A lock whose database cannot be reached; absent where there is no database. */
  unreachable?(): RenditionLock;
}

function uniqueKey(): string {
  return `contract/${uniqueId()}/rendition.webp`;
}

const LONG_WAIT_MS = 10_000;

/**
 * The behaviour every `RenditionLock` adapter must show. Each test locks keys of its own, so several runs can
 * share one database.
 */
export function describeRenditionLockContract(label: string, makeSubject: () => Promise<RenditionLockSubject>): void {
  describe(`RenditionLock contract: ${label}`, function () {
    this.timeout(30_000);
    let made: RenditionLockSubject;
    let held: HeldRenditionLock[];

    beforeEach(async () => {
      made = await makeSubject();
      held = [];
    });

    afterEach(async () => {
      await Promise.allSettled(held.map((lock) => lock.release()));
      await made.cleanup();
    });

    async function take(lock: RenditionLock, key: string, waitMs = 0): Promise<HeldRenditionLock> {
      const got = await lock.acquire(key, waitMs);
      expect(got, `lock on ${key}`).to.not.equal(undefined);
      held.push(got as HeldRenditionLock);
      return got as HeldRenditionLock;
    }

    it('grants a free key at once, and refuses a held one as undefined (not an exception)', async () => {
      const key = uniqueKey();
      await take(made.subject, key);
      expect(await made.other.acquire(key, 0)).to.equal(undefined);
    });

    it('does not make different keys wait for each other', async () => {
      await take(made.subject, uniqueKey());
      await take(made.other, uniqueKey());
    });

    it('gives the key to the next caller once released; releasing twice is harmless', async () => {
      const key = uniqueKey();
      const first = await take(made.subject, key);
      await first.release();
      await first.release();
      const second = await take(made.other, key);
      expect(await made.subject.acquire(key, 0)).to.equal(undefined);
      await second.release();
      await take(made.subject, key);
    });

    it('hands the key to a waiter when the holder releases it within the wait', async () => {
      const key = uniqueKey();
      const first = await take(made.subject, key);
      const waiting = made.other.acquire(key, LONG_WAIT_MS);
      let settled = false;
      void waiting.then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(settled, 'the waiter got a held key').to.equal(false);
      await first.release();
      const second = await waiting;
      expect(second).to.not.equal(undefined);
      held.push(second as HeldRenditionLock);
    });

    it('answers undefined when the wait runs out, and the holder keeps the key', async () => {
      const key = uniqueKey();
      await take(made.subject, key);
      const started = Date.now();
      expect(await made.other.acquire(key, 150)).to.equal(undefined);
      // A generous bound: the wait must end, not hang until the holder lets go.
      expect(Date.now() - started).to.be.lessThan(5_000);
      expect(await made.other.acquire(key, 0)).to.equal(undefined);
    });

    it('lets exactly one holder in at a time among many contenders on both clients', async () => {
      const key = uniqueKey();
      let inside = 0;
      let mostInside = 0;
      const contenders = Array.from({ length: 8 }, async (_, n) => {
        const lock = await (n % 2 === 0 ? made.subject : made.other).acquire(key, LONG_WAIT_MS);
        expect(lock, `contender ${n}`).to.not.equal(undefined);
        inside += 1;
        mostInside = Math.max(mostInside, inside);
        await new Promise((resolve) => setTimeout(resolve, 15));
        inside -= 1;
        await lock?.release();
      });
      await Promise.all(contenders);
      expect(mostInside).to.equal(1);
    });

    it('frees the key when its holder dies, so a waiter falls back to taking it', async function () {
      if (made.killHolder === undefined) {
        console.warn(`      ${label}: a lock here dies only with its process; nothing to kill`);
        this.skip();
      }
      const key = uniqueKey();
      const doomed = await take(made.subject, key);
      const waiting = made.other.acquire(key, LONG_WAIT_MS);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await made.killHolder(key);
      const taken = await waiting;
      expect(taken, 'the waiter after the holder died').to.not.equal(undefined);
      held.push(taken as HeldRenditionLock);
      // The dead holder's release settles (quietly, or with the port's failure type) and breaks nothing.
      const outcome = await doomed.release().then(
        () => undefined,
        (error: unknown) => error,
      );
      if (outcome !== undefined) expect(outcome).to.be.instanceOf(IndexUnavailableError);
      const again = await made.subject.acquire(uniqueKey(), 0);
      expect(again, 'a new lock on the same client').to.not.equal(undefined);
      held.push(again as HeldRenditionLock);
    });

    it('throws IndexUnavailableError with a cause when the database cannot be reached', async function () {
      if (made.unreachable === undefined) {
        console.warn(`      ${label}: no database behind this lock`);
        this.skip();
      }
      const lock = made.unreachable();
      const error = await lock.acquire(uniqueKey(), 0).then(
        () => expect.fail('expected IndexUnavailableError'),
        (thrown: unknown) => thrown,
      );
      expect(error).to.be.instanceOf(IndexUnavailableError);
      expect((error as Error).cause).to.not.equal(undefined);
    });
  });
}
