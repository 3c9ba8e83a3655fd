import type { Knex } from 'knex';
import type { TokenStore } from '../../application/ports/token-store.js';
import type { ImageId } from '../../domain/image-id.js';
import { Token, type TokenHash } from '../../domain/token.js';
import { indexOperation } from './sql-errors.js';

interface TokenRow {
  hash: string;
  image_id: string;
  // Epoch milliseconds (see sql-migrations.ts); pg returns bigint as a string.
  expires_at: number | string;
  used_at: number | string | null;
}

/**
 * Upload tokens in SQLite or PostgreSQL through knex. The knex instance belongs to the caller, who runs
 * `migrate(knex)` before use and destroys it on shutdown.
 */
export class SqlTokenStore implements TokenStore {
  constructor(private readonly knex: Knex) {}

  async save(token: Token): Promise<void> {
    const { hash, imageId, expiresAt, usedAt } = token.toPrimitives();
    return indexOperation('saving a token', async () => {
      // A plain insert, not an upsert: re-saving a hash must never turn a used token back into an unused one.
      await this.knex<TokenRow>('tokens').insert({
        hash,
        image_id: imageId,
        expires_at: expiresAt.getTime(),
        used_at: usedAt === undefined ? null : usedAt.getTime(),
      });
    });
  }

  async find(hash: TokenHash): Promise<Token | undefined> {
    return indexOperation('finding a token', async () => {
      const row = await this.knex<TokenRow>('tokens').where({ hash }).first();
      if (row === undefined) return undefined;
      return Token.fromPrimitives({
        hash: row.hash,
        imageId: row.image_id as ImageId,
        expiresAt: new Date(Number(row.expires_at)),
        usedAt: row.used_at === null ? undefined : new Date(Number(row.used_at)),
      });
    });
  }

  async claim(hash: TokenHash, now: Date): Promise<boolean> {
    const at = now.getTime();
    return indexOperation('claiming a token', async () => {
      // One conditional UPDATE: the database serialises concurrent claims on the row, and only the
      // first still sees `used_at is null`.
      const changed = await this.knex('tokens')
        .where({ hash })
        .whereNull('used_at')
        .andWhere('expires_at', '>', at)
        .update({ used_at: at });
      return changed === 1;
    });
  }

  async release(hash: TokenHash): Promise<void> {
    return indexOperation('releasing a token', async () => {
      await this.knex('tokens').where({ hash }).update({ used_at: null });
    });
  }

  async purgeExpired(now: Date): Promise<number> {
    return indexOperation('purging expired tokens', async () => {
      // `<=`, as Token.isExpired: a token is expired from its expiry instant on.
      return await this.knex('tokens').where('expires_at', '<=', now.getTime()).delete();
    });
  }
}
