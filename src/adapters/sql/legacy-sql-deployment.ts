import { existsSync } from 'node:fs';
import type { Knex } from 'knex';
import { LegacySourceError } from '../../application/application-error.js';
import type { LegacyBox, LegacyDeployment, LegacyTokenRecord } from '../../application/ports/legacy-deployment.js';

/** Where the old database is: its PostgreSQL URL (`--database`), or its pre-1.0 SQLite file (`--sqlite`). */
export type LegacyDatabaseLocation = { readonly driver: 'postgres'; readonly url: string } | { readonly driver: 'sqlite'; readonly filename: string };

const CONNECT_TIMEOUT_MS = 5_000;

interface TokenRow {
  id: string;
  image_id: string;
  valid_until: Date | string | number;
}

interface BoxRow {
  width: number;
  height: number;
  fit: string | null;
  mimeType: string;
  // pg returns count() as a string.
  ids: number | string;
}

/**
 * SQLite kept `datetime('now', '+15 minute')`: `YYYY-MM-DD HH:MM:SS` text in UTC without a zone, which
 * `new Date` would read as local time. PostgreSQL's `timestamptz` arrives as a `Date`.
 */
export function legacyTimestamp(value: Date | string | number): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const utc = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value;
  return new Date(utc);
}

/**
 * The original service's database, read-only (SPEC §10). The SQLite file is opened read-only, so not even a
 * journal mode changes in it; PostgreSQL is only ever sent `select`s. Its tables are the old service's own:
 * `tokens(id, image_id, used, valid_until)`, `images(id, x, y, fit, file_type, …)`, `dbchangelog(id, datetime)`.
 */
export class LegacySqlDeployment implements LegacyDeployment {
  private closed: Promise<void> | undefined;

  private constructor(
    private readonly location: LegacyDatabaseLocation,
    private readonly knex: Knex,
  ) {}

  /**
   * Connects lazily (the first query connects). knex, and `pg` for PostgreSQL (an optional dependency), are
   * imported here, only for the driver asked for (ADR 0029), so that a missing package fails this import with
   * `ERR_MODULE_NOT_FOUND` naming it, which the caller turns into an install hint. `pg` is imported before knex
   * would require it itself: knex's own failure is a message of its own that names no package the caller can see.
   */
  static async open(location: LegacyDatabaseLocation): Promise<LegacySqlDeployment> {
    if (location.driver === 'sqlite' && !existsSync(location.filename)) {
      throw new LegacySourceError(`the old SQLite database ${location.filename} does not exist`);
    }
    if (location.driver === 'postgres') await import('pg');
    const { default: knexFactory } = await import('knex');
    const knex =
      location.driver === 'sqlite'
        ? knexFactory({ client: 'better-sqlite3', connection: { filename: location.filename, options: { readonly: true } }, useNullAsDefault: true })
        : knexFactory({
            client: 'pg',
            connection: { connectionString: location.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS },
            pool: { min: 0, max: 2 },
          });
    return new LegacySqlDeployment(location, knex);
  }

  async schemaVersion(): Promise<string | undefined> {
    return this.read('dbchangelog', async () => {
      const row = await this.knex('dbchangelog').select('id').orderBy('id', 'desc').first<{ id: string | number } | undefined>();
      return row === undefined ? undefined : String(row.id);
    });
  }

  async unusedTokens(): Promise<readonly LegacyTokenRecord[]> {
    return this.read('tokens', async () => {
      const rows = await this.knex<TokenRow>('tokens').select('id', 'image_id', 'valid_until').where('used', 0).orderBy('id');
      return rows.map((row) => ({ value: row.id, imageId: row.image_id, validUntil: legacyTimestamp(row.valid_until) }));
    });
  }

  async mostRequestedBoxes(limit: number): Promise<readonly LegacyBox[]> {
    return this.read('images', async () => {
      const rows = (await this.knex('images')
        .select({ width: 'x', height: 'y', fit: 'fit', mimeType: 'file_type' })
        .countDistinct({ ids: 'id' })
        .groupBy('x', 'y', 'fit', 'file_type')
        .orderBy([{ column: 'ids', order: 'desc' }, { column: 'x', order: 'desc' }, { column: 'y', order: 'desc' }, { column: 'file_type' }])
        .limit(limit)) as unknown as BoxRow[];
      return rows.map((row) => ({
        width: Number(row.width),
        height: Number(row.height),
        fit: row.fit === null || row.fit === '' ? 'clip' : row.fit,
        mimeType: String(row.mimeType),
        ids: Number(row.ids),
      }));
    });
  }

  async idsRenderedAt(box: LegacyBox): Promise<readonly string[]> {
    return this.read('images', async () => {
      const rows = await this.knex('images')
        .distinct('id')
        .where({ x: box.width, y: box.height, file_type: box.mimeType })
        .andWhere((q) => (box.fit === 'clip' ? q.where('fit', 'clip').orWhereNull('fit') : q.where('fit', box.fit)))
        .orderBy('id');
      return rows.map((row: { id: string }) => row.id);
    });
  }

  async idsWithOriginals(): Promise<readonly string[]> {
    const rendered = await this.read('images', async () => (await this.knex('images').distinct('id').whereNotNull('id')).map((row: { id: string }) => row.id));
    const uploaded = await this.read('tokens', async () =>
      (await this.knex('tokens').distinct('image_id').where('used', 1).whereNotNull('image_id')).map((row: { image_id: string }) => row.image_id),
    );
    return [...new Set([...rendered, ...uploaded])].sort();
  }

  async close(): Promise<void> {
    return (this.closed ??= this.knex.destroy());
  }

  private async read<T>(table: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const where = this.location.driver === 'sqlite' ? this.location.filename : 'the PostgreSQL database';
      const reason = error instanceof Error ? error.message : String(error);
      throw new LegacySourceError(`reading the old ${table} table from ${where} failed: ${reason}`, { cause: error });
    }
  }
}
