import { IndexUnavailableError } from '../../application/application-error.js';
import type { TokenStore } from '../../application/ports/token-store.js';
import { Token, type TokenHash } from '../../domain/token.js';
import { SimulatedOutage } from './simulated-outage.js';

/**
 * A `TokenStore` held in memory: a verified fake (it passes the same contract suite as the SQL adapter)
 * for application tests. Each method checks and writes without awaiting in between, so a claim is as
 * atomic as the database's conditional update.
 *
 * To test how callers cope with a database outage, call {@link InMemoryTokenStore.fail}: every method
 * then throws `IndexUnavailableError` (with the given cause) until {@link InMemoryTokenStore.recover}.
 */
export class InMemoryTokenStore extends SimulatedOutage implements TokenStore {
  private readonly tokens = new Map<string, Token>();

  constructor() {
    super('token store', IndexUnavailableError);
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
}
