import { IndexUnavailableError } from '../../application/application-error.js';
import type { TokenStore } from '../../application/ports/token-store.js';
import { Token, type TokenHash } from '../../domain/token.js';

/**
 * A `TokenStore` held in memory: a verified fake (it passes the same contract suite as the SQL adapter)
 * for application tests. Each method checks and writes without awaiting in between, so a claim is as
 * atomic as the database's conditional update.
 *
 * To test how callers cope with a database outage, call {@link InMemoryTokenStore.fail}: every method
 * then throws `IndexUnavailableError` (with the given cause) until {@link InMemoryTokenStore.recover}.
 */
export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, Token>();
  private outage: { cause: unknown } | undefined;

  /** Simulates an outage: from now on every call throws `IndexUnavailableError` with `cause`. */
  fail(cause: unknown = new Error('simulated token store outage')): void {
    this.outage = { cause };
  }

  /** Ends a simulated outage; the stored tokens are as they were before it. */
  recover(): void {
    this.outage = undefined;
  }

  /** Whether an outage is being simulated. */
  get failing(): boolean {
    return this.outage !== undefined;
  }

  async save(token: Token): Promise<void> {
    this.throwIfFailing();
    // Refused like the SQL primary key: re-saving a hash must never turn a used token back into an unused one.
    if (this.tokens.has(token.hash)) {
      throw new IndexUnavailableError(`a token with hash ${token.hash.slice(0, 8)}… is already stored`);
    }
    this.tokens.set(token.hash, Token.fromPrimitives(token.toPrimitives()));
  }

  async find(hash: TokenHash): Promise<Token | undefined> {
    this.throwIfFailing();
    const found = this.tokens.get(hash);
    return found === undefined ? undefined : Token.fromPrimitives(found.toPrimitives());
  }

  async claim(hash: TokenHash, now: Date): Promise<boolean> {
    this.throwIfFailing();
    const found = this.tokens.get(hash);
    if (found === undefined || found.usedAt !== undefined || found.isExpired(now)) return false;
    this.tokens.set(hash, Token.fromPrimitives({ ...found.toPrimitives(), usedAt: new Date(now.getTime()) }));
    return true;
  }

  async release(hash: TokenHash): Promise<void> {
    this.throwIfFailing();
    const found = this.tokens.get(hash);
    if (found !== undefined) this.tokens.set(hash, Token.fromPrimitives({ ...found.toPrimitives(), usedAt: undefined }));
  }

  async purgeExpired(now: Date): Promise<number> {
    this.throwIfFailing();
    let purged = 0;
    for (const [hash, token] of this.tokens) {
      if (token.isExpired(now)) {
        this.tokens.delete(hash);
        purged += 1;
      }
    }
    return purged;
  }

  private throwIfFailing(): void {
    if (this.outage !== undefined) {
      throw new IndexUnavailableError('token store unavailable (simulated outage)', { cause: this.outage.cause });
    }
  }
}
