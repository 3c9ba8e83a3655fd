import type { Token, TokenHash } from '../../domain/token.js';

/**
 * Issued upload tokens, kept by hash only. Throws `IndexUnavailableError` on database failure;
 * not-found is `undefined`.
 */
export interface TokenStore {
  /** Records a newly issued token. */
  save(token: Token): Promise<void>;

  /** The token with this hash, or `undefined`. */
  find(hash: TokenHash): Promise<Token | undefined>;

  /**
   * Marks the token used at `now` if, and only if, it is unused and unexpired — one conditional
   * write, so of any number of concurrent claims exactly one returns `true`.
   */
  claim(hash: TokenHash, now: Date): Promise<boolean>;

  /** Makes a claimed token usable again (its upload failed). Idempotent. */
  release(hash: TokenHash): Promise<void>;

  /** Deletes tokens that expired before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
