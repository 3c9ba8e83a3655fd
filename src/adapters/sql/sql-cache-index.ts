import type { Knex } from 'knex';
import { OriginalExistsError } from '../../application/application-error.js';
import type { CacheIndex, OriginalChanges, RenditionRecord } from '../../application/ports/cache-index.js';
import type { FocalPoint } from '../../domain/focal-point.js';
import type { InputFormat, OutputFormat } from '../../domain/image-format.js';
import type { ImageId } from '../../domain/image-id.js';
import type { ContentVersion, OriginalKey, OriginalMetadata } from '../../domain/original.js';
import type { Placeholder } from '../../domain/placeholder.js';
import { indexOperation, isUniqueViolation } from './sql-errors.js';

interface OriginalRow {
  id: string;
  version: string;
  format: string;
  width: number;
  height: number;
  pages: number;
  has_alpha: boolean | number;
  // pg returns bigint columns as strings, better-sqlite3 as numbers.
  bytes: number | string;
  uploaded_at: number | string;
  blurhash?: string | null;
  thumbhash?: string | null;
  dominant_color?: string | null;
  focal_x?: number | string | null;
  focal_y?: number | string | null;
}

interface RenditionRow {
  key: string;
  original_id: string;
  original_version: string;
  format: string;
  width: number;
  height: number;
  bytes: number | string;
  created_at: number | string;
  last_used_at?: number | string;
}

function originalToRow(original: OriginalMetadata): OriginalRow {
  return {
    id: original.id,
    version: original.version,
    format: original.format,
    width: original.width,
    height: original.height,
    pages: original.pages,
    has_alpha: original.hasAlpha,
    bytes: original.bytes,
    uploaded_at: original.uploadedAt.getTime(),
    ...placeholderColumns(original.placeholder),
    ...focalColumns(original.focalPoint),
  };
}

function placeholderColumns(placeholder: Placeholder | undefined): Pick<OriginalRow, 'blurhash' | 'thumbhash' | 'dominant_color'> {
  return { blurhash: placeholder?.blurhash ?? null, thumbhash: placeholder?.thumbhash ?? null, dominant_color: placeholder?.dominantColor ?? null };
}

function focalColumns(point: FocalPoint | undefined): Pick<OriginalRow, 'focal_x' | 'focal_y'> {
  return { focal_x: point?.x ?? null, focal_y: point?.y ?? null };
}

/** The columns `changes` names, and only those: a field left out keeps its column. */
function changedColumns(changes: OriginalChanges): Partial<OriginalRow> {
  return {
    ...('placeholder' in changes ? placeholderColumns(changes.placeholder) : {}),
    ...('focalPoint' in changes ? focalColumns(changes.focalPoint) : {}),
  };
}

function placeholderFromRow(row: OriginalRow): Placeholder | undefined {
  if (row.blurhash == null || row.thumbhash == null || row.dominant_color == null) return undefined;
  return { blurhash: row.blurhash, thumbhash: row.thumbhash, dominantColor: row.dominant_color };
}

function focalPointFromRow(row: OriginalRow): FocalPoint | undefined {
  // pg returns double precision as a number; both columns are set or cleared together.
  return row.focal_x == null || row.focal_y == null ? undefined : { x: Number(row.focal_x), y: Number(row.focal_y) };
}

function originalFromRow(row: OriginalRow): OriginalMetadata {
  const placeholder = placeholderFromRow(row);
  const focalPoint = focalPointFromRow(row);
  return {
    id: row.id as ImageId,
    version: row.version as ContentVersion,
    format: row.format as InputFormat,
    width: Number(row.width),
    height: Number(row.height),
    pages: Number(row.pages),
    // SQLite has no boolean type: knex stores 0/1.
    hasAlpha: Boolean(row.has_alpha),
    bytes: Number(row.bytes),
    uploadedAt: new Date(Number(row.uploaded_at)),
    // Absent rather than undefined-valued, as the metadata was before these existed.
    ...(placeholder === undefined ? {} : { placeholder }),
    ...(focalPoint === undefined ? {} : { focalPoint }),
  };
}

function renditionToRow(record: RenditionRecord): RenditionRow {
  return {
    key: record.key,
    original_id: record.originalId,
    original_version: record.originalVersion,
    format: record.format,
    width: record.width,
    height: record.height,
    bytes: record.bytes,
    created_at: record.createdAt.getTime(),
    // Saving (again) is a use: a rendition just stored is the last one an eviction should pick.
    last_used_at: record.createdAt.getTime(),
  };
}

function renditionFromRow(row: RenditionRow): RenditionRecord {
  return {
    key: row.key,
    originalId: row.original_id as ImageId,
    originalVersion: row.original_version as ContentVersion,
    format: row.format as OutputFormat,
    width: Number(row.width),
    height: Number(row.height),
    bytes: Number(row.bytes),
    createdAt: new Date(Number(row.created_at)),
  };
}

/** The slice of a better-sqlite3 connection the prepared statements below use. */
interface SqliteConnection {
  readonly open: boolean;
  prepare(source: string): SqliteStatement;
}

interface SqliteStatement {
  get(...parameters: unknown[]): unknown;
  run(...parameters: unknown[]): unknown;
}

const RENDITION_COLUMNS = ['key', 'original_id', 'original_version', 'format', 'width', 'height', 'bytes', 'created_at', 'last_used_at'] as const;

/**
 * The two statements every miss runs (find the rendition's row, then save it), prepared once on knex's own SQLite
 * connection. Through knex each costs ≈ 10× the statement itself (a query builder compiled, a pooled connection
 * acquired and released, better-sqlite3's `prepare` again): about 0.15 ms of main-thread CPU when hot, more when not
 * (ADR 0026). Safe on the shared connection because better-sqlite3 is synchronous and this index runs no transaction
 * across an `await`, so a statement can never land inside someone else's.
 */
class SqliteRenditionStatements {
  private readonly find: SqliteStatement;
  private readonly save: SqliteStatement;

  constructor(readonly connection: SqliteConnection) {
    const columns = RENDITION_COLUMNS.map((column) => `"${column}"`).join(', ');
    const updates = RENDITION_COLUMNS.map((column) => `"${column}" = excluded."${column}"`).join(', ');
    this.find = connection.prepare('select * from "renditions" where "key" = ? limit 1');
    this.save = connection.prepare(
      `insert into "renditions" (${columns}) values (${RENDITION_COLUMNS.map(() => '?').join(', ')}) on conflict ("key") do update set ${updates}`,
    );
  }

  findRendition(key: string): RenditionRow | undefined {
    return this.find.get(key) as RenditionRow | undefined;
  }

  saveRendition(row: RenditionRow): void {
    this.save.run(...RENDITION_COLUMNS.map((column) => row[column]));
  }
}

interface KnexPool {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void> | void;
  readonly config: { readonly client?: unknown };
}

/**
 * The cache index in SQLite or PostgreSQL through knex. The knex instance belongs to the caller, who
 * runs `migrate(knex)` before use and destroys it on shutdown.
 */
export class SqlCacheIndex implements CacheIndex {
  private statements: SqliteRenditionStatements | undefined;

  constructor(private readonly knex: Knex) {}

  /**
   * The prepared statements on knex's SQLite connection (its pool holds exactly one), or `undefined` for PostgreSQL.
   * Prepared again when knex has replaced the connection (after a failure).
   */
  private async sqlite(): Promise<SqliteRenditionStatements | undefined> {
    if (this.statements?.connection.open === true) return this.statements;
    const client = this.knex.client as KnexPool;
    if (client.config.client !== 'better-sqlite3') return undefined;
    const connection = (await client.acquireConnection()) as SqliteConnection;
    try {
      this.statements = new SqliteRenditionStatements(connection);
    } finally {
      await client.releaseConnection(connection);
    }
    return this.statements;
  }

  async findOriginal(id: ImageId): Promise<OriginalMetadata | undefined> {
    return indexOperation('finding an original', async () => {
      const row = await this.knex<OriginalRow>('originals').where({ id }).first();
      return row === undefined ? undefined : originalFromRow(row);
    });
  }

  async saveOriginal(original: OriginalMetadata, options: { readonly replace: boolean }): Promise<void> {
    const row = originalToRow(original);
    return indexOperation('saving an original', async () => {
      if (options.replace) {
        await this.knex<OriginalRow>('originals').insert(row).onConflict('id').merge();
        return;
      }
      // A plain insert: the primary key decides which of two racing uploads wins.
      await this.knex<OriginalRow>('originals')
        .insert(row)
        .catch((error: unknown) => {
          if (!isUniqueViolation(error)) throw error;
          throw new OriginalExistsError(`an original with id ${original.id} already exists`, { cause: error });
        });
    });
  }

  async updateOriginal(original: OriginalKey, changes: OriginalChanges): Promise<boolean> {
    const columns = changedColumns(changes);
    return indexOperation('updating an original', async () => {
      const where = this.knex<OriginalRow>('originals').where({ id: original.id, version: original.version });
      if (Object.keys(columns).length === 0) return (await where.first()) !== undefined;
      return (await where.update(columns)) > 0;
    });
  }

  async deleteOriginal(id: ImageId): Promise<void> {
    return indexOperation('deleting an original', async () => {
      // Two autocommit statements, not a transaction: in SQLite's WAL mode a deferred transaction whose
      // snapshot went stale while it waited for the write lock fails with SQLITE_BUSY at once (the busy
      // timeout does not apply), and knex cannot issue BEGIN IMMEDIATE. Each statement is idempotent,
      // so a failure between them is repaired by deleting again.
      await this.knex('renditions').where({ original_id: id }).delete();
      await this.knex('originals').where({ id }).delete();
    });
  }

  async findRendition(key: string): Promise<RenditionRecord | undefined> {
    return indexOperation('finding a rendition', async () => {
      const sqlite = await this.sqlite();
      const row = sqlite !== undefined ? sqlite.findRendition(key) : await this.knex<RenditionRow>('renditions').where({ key }).first();
      return row === undefined ? undefined : renditionFromRow(row);
    });
  }

  async saveRendition(record: RenditionRecord): Promise<void> {
    return indexOperation('saving a rendition', async () => {
      const sqlite = await this.sqlite();
      if (sqlite !== undefined) sqlite.saveRendition(renditionToRow(record));
      else await this.knex<RenditionRow>('renditions').insert(renditionToRow(record)).onConflict('key').merge();
    });
  }

  async listRenditions(id: ImageId): Promise<readonly RenditionRecord[]> {
    return indexOperation('listing renditions', async () => {
      const rows = await this.knex<RenditionRow>('renditions')
        .where({ original_id: id })
        .orderBy([
          { column: 'created_at', order: 'asc' },
          { column: 'key', order: 'asc' },
        ]);
      return rows.map(renditionFromRow);
    });
  }

  async deleteRendition(key: string): Promise<boolean> {
    return indexOperation('deleting a rendition', async () => {
      const deleted = await this.knex('renditions').where({ key }).delete();
      return deleted > 0;
    });
  }

  async deleteRenditionsOfVersion(id: ImageId, version: ContentVersion): Promise<void> {
    return indexOperation('deleting renditions of a version', async () => {
      await this.knex('renditions').where({ original_id: id, original_version: version }).delete();
    });
  }

  async renditionBytes(): Promise<number> {
    return indexOperation('summing rendition bytes', async () => {
      const row = (await this.knex('renditions').sum({ total: 'bytes' }).first()) as { total: number | string | null } | undefined;
      // pg sums a bigint column into a numeric, returned as a string; no row sums to null.
      return Number(row?.total ?? 0);
    });
  }

  async leastRecentlyUsed(limit: number): Promise<readonly RenditionRecord[]> {
    return indexOperation('listing least recently used renditions', async () => {
      const rows = await this.knex<RenditionRow>('renditions')
        .orderBy([
          { column: 'last_used_at', order: 'asc' },
          { column: 'key', order: 'asc' },
        ])
        .limit(limit);
      return rows.map(renditionFromRow);
    });
  }

  async touchRenditions(keys: readonly string[], at: Date): Promise<void> {
    if (keys.length === 0) return;
    const time = at.getTime();
    return indexOperation('recording rendition use', async () => {
      await this.knex('renditions').whereIn('key', [...keys]).where('last_used_at', '<', time).update({ last_used_at: time });
    });
  }

  async check(): Promise<void> {
    return indexOperation('health check', async () => {
      await this.knex.raw('select 1');
    });
  }
}
