import type { Knex } from 'knex';
import type { ClientConfig } from 'pg';
import { toIndexError } from './sql-errors.js';

/**
 * The channel the index's triggers announce removed and replaced rows on (migration 0004). Defined here, not
 * beside its listener, so that migrating a SQLite index does not import `pg` (an optional dependency).
 */
export const INDEX_CHANGES_CHANNEL = 'live_image_resize_index';

/*
 * Times are stored as bigint epoch milliseconds rather than timestamp columns: SQLite has no date type
 * (knex would store whatever the driver makes of a Date), PostgreSQL's timestamptz would come back
 * through the session time zone and at microsecond precision; an integer round-trips a JS Date exactly
 * on both dialects and compares with `<`/`>` the same way everywhere.
 */
const MIGRATIONS: Readonly<Record<string, Knex.Migration>> = {
  '0001-create-originals-renditions-tokens': {
    async up(knex) {
      await knex.schema.createTable('originals', (table) => {
        table.string('id', 128).primary();
        table.string('version', 64).notNullable();
        table.string('format', 16).notNullable();
        table.integer('width').notNullable();
        table.integer('height').notNullable();
        table.integer('pages').notNullable();
        table.boolean('has_alpha').notNullable();
        table.bigInteger('bytes').notNullable();
        table.bigInteger('uploaded_at').notNullable();
      });
      await knex.schema.createTable('renditions', (table) => {
        table.string('key', 512).primary();
        table.string('original_id', 128).notNullable().index();
        table.string('original_version', 64).notNullable();
        table.string('format', 16).notNullable();
        table.integer('width').notNullable();
        table.integer('height').notNullable();
        table.bigInteger('bytes').notNullable();
        table.bigInteger('created_at').notNullable();
      });
      await knex.schema.createTable('tokens', (table) => {
        table.string('hash', 64).primary();
        table.string('image_id', 128).notNullable();
        table.bigInteger('expires_at').notNullable().index();
        table.bigInteger('used_at').nullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTable('tokens');
      await knex.schema.dropTable('renditions');
      await knex.schema.dropTable('originals');
    },
  },
  '0002-rendition-last-used': {
    async up(knex) {
      // Not null with a default, which both dialects can add to a filled table; rows written meanwhile by a
      // replica still on the previous version get 0 and are the first an eviction picks.
      await knex.schema.alterTable('renditions', (table) => {
        table.bigInteger('last_used_at').notNullable().defaultTo(0);
      });
      await knex('renditions').update({ last_used_at: knex.ref('created_at') });
      await knex.schema.alterTable('renditions', (table) => {
        table.index(['last_used_at', 'key'], 'renditions_last_used_at_key_index');
      });
    },
    async down(knex) {
      await knex.schema.alterTable('renditions', (table) => {
        table.dropIndex(['last_used_at', 'key'], 'renditions_last_used_at_key_index');
        table.dropColumn('last_used_at');
      });
    },
  },
  '0004-announce-index-changes': {
    // PostgreSQL only: replicas remember rows in memory (ADR 0024) and must hear when one is replaced or removed,
    // by any process or tool. SQLite has one service process per file, which sees its own writes.
    async up(knex) {
      if (!isPostgres(knex)) return;
      await knex.raw(`
        create or replace function announce_index_change() returns trigger language plpgsql as $$
        begin
          -- Two branches, not one CASE: a row of one table has no field of the other.
          if TG_TABLE_NAME = 'originals' then
            perform pg_notify('${INDEX_CHANGES_CHANNEL}', json_build_object('schema', TG_TABLE_SCHEMA, 'original', OLD.id)::text);
          else
            perform pg_notify('${INDEX_CHANGES_CHANNEL}', json_build_object('schema', TG_TABLE_SCHEMA, 'rendition', OLD.key)::text);
          end if;
          return null;
        end $$`);
      await knex.raw('create trigger originals_announce_change after update or delete on originals for each row execute function announce_index_change()');
      await knex.raw('create trigger renditions_announce_change after delete on renditions for each row execute function announce_index_change()');
    },
    async down(knex) {
      if (!isPostgres(knex)) return;
      await knex.raw('drop trigger if exists renditions_announce_change on renditions');
      await knex.raw('drop trigger if exists originals_announce_change on originals');
      await knex.raw('drop function if exists announce_index_change()');
    },
  },
  '0005-original-placeholder-focal-point': {
    async up(knex) {
      // Nullable: originals stored before have no placeholder until it is first asked for (computed once then),
      // and no focal point until one is set. A focal point is two reals or none (both null).
      await knex.schema.alterTable('originals', (table) => {
        table.string('blurhash', 64).nullable();
        table.string('thumbhash', 64).nullable();
        table.string('dominant_color', 7).nullable();
        table.double('focal_x').nullable();
        table.double('focal_y').nullable();
      });
    },
    async down(knex) {
      await knex.schema.alterTable('originals', (table) => {
        table.dropColumn('focal_y');
        table.dropColumn('focal_x');
        table.dropColumn('dominant_color');
        table.dropColumn('thumbhash');
        table.dropColumn('blurhash');
      });
    },
  },
};

function isPostgres(knex: Knex): boolean {
  return knex.client.config.client === 'pg';
}

/**
 * Migrations defined in code instead of a directory of files: knex's file loader globs for `.js`/`.ts`,
 * which breaks one way or the other between `tsx` and the compiled `dist/`.
 */
class CodeMigrationSource implements Knex.MigrationSource<string> {
  getMigrations(): Promise<string[]> {
    return Promise.resolve(Object.keys(MIGRATIONS).sort());
  }

  getMigrationName(migration: string): string {
    return migration;
  }

  getMigration(migration: string): Promise<Knex.Migration> {
    const found = MIGRATIONS[migration];
    if (found === undefined) return Promise.reject(new Error(`unknown migration ${migration}`));
    return Promise.resolve(found);
  }
}

const MIGRATION_CONFIG: Knex.MigratorConfig = {
  migrationSource: new CodeMigrationSource(),
  tableName: 'index_migrations',
};

/**
 * A replica of an older version (which migrates under knex's lock alone) may hold knex's lock while this one starts;
 * the loser waits and retries. Up to 30 s: on a loaded host the winner's migrations held the lock past 10 s.
 */
const LOCK_RETRIES = 60;
const LOCK_RETRY_DELAY_MS = 500;

function isMigrationRace(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  // 23505/42P07/42710: two processes creating knex's bookkeeping tables at the same moment (PostgreSQL 15 reports the
  // table's row type as existing, older releases as a duplicate key). knex wraps a lost lock in its
  // LockError ('MigrationLocked') on one path but lets the plain Error through on another, so match its text.
  return name === 'MigrationLocked' || message === 'Migration table is already locked' || code === '23505' || code === '42P07' || code === '42710';
}

/** Migrations running in this process, per knex instance: a second call waits for the first instead of racing it. */
const running = new WeakMap<Knex, Promise<void>>();

/**
 * Brings the schema up to date; running it again is a no-op. Throws `IndexUnavailableError` when the
 * database cannot be reached or a migration fails.
 *
 * knex's own migration lock does not exclude processes that start on an empty schema together: each creates the
 * lock table and inserts its row, and two rows lock every later migration out for good ("Migration table is already
 * locked"). So on PostgreSQL the replicas take turns under an advisory lock for the schema first, and a lock table
 * left with two rows by an earlier race is mended there. In one process, calls on one knex instance take turns.
 */
export function migrate(knex: Knex): Promise<void> {
  const previous = running.get(knex) ?? Promise.resolve();
  const next = previous.then(
    () => migrateAlone(knex),
    () => migrateAlone(knex),
  );
  running.set(knex, next);
  return next;
}

async function migrateAlone(knex: Knex): Promise<void> {
  if (!isPostgres(knex)) return migrateRetryingLock(knex);
  let session: { end(): Promise<void> } | undefined;
  try {
    session = await takeSchemaMigrationLock(knex);
    await mendLockTable(knex);
    await migrateRetryingLock(knex);
  } catch (error) {
    throw toIndexError(error, 'migration');
  } finally {
    // Ending the session releases the advisory lock.
    await session?.end().catch(() => undefined);
  }
}

async function migrateRetryingLock(knex: Knex): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await knex.migrate.latest(MIGRATION_CONFIG);
      return;
    } catch (error) {
      if (!isMigrationRace(error) || attempt >= LOCK_RETRIES) throw toIndexError(error, 'migration');
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_DELAY_MS));
    }
  }
}

/**
 * Opens a session of its own (not one of the pool's: with `poolMax` 1 the migrations need that one) and waits there
 * for the schema's advisory lock. No deadline: the holder is a live process migrating this schema (a session lock
 * dies with its session), and this one would only have to do the same work after it.
 */
async function takeSchemaMigrationLock(knex: Knex): Promise<{ end(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const client = new pg.Client(await connectionConfigOf(knex));
  // A connection that breaks while waiting fails the query below; without a listener its 'error' event would also
  // crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Per schema (the search path the index's connections use), so indexes in other schemas of one database migrate
    // side by side.
    await client.query(`select pg_advisory_lock(hashtextextended('live-image-resize:migrations:' || coalesce(current_schema(), ''), 0))`);
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** The settings knex's pool connects with: an object or a URL, or a function giving either (knex accepts all three). */
async function connectionConfigOf(knex: Knex): Promise<ClientConfig> {
  const given: unknown = knex.client.config.connection;
  const settings: unknown = typeof given === 'function' ? await (given as () => unknown)() : given;
  return typeof settings === 'string' ? { connectionString: settings } : (settings as ClientConfig);
}

/**
 * knex keeps one row in its lock table; two processes that created the table together may each have inserted one.
 * Under the schema's advisory lock no other replica of this version is migrating, so a table of several free rows
 * is put back to the one free row knex expects. A row still marked locked is left alone: an older replica may be
 * migrating under it.
 */
async function mendLockTable(knex: Knex): Promise<void> {
  const lockTable = `${MIGRATION_CONFIG.tableName}_lock`;
  if (!(await knex.schema.hasTable(lockTable))) return;
  const rows: Array<{ is_locked: number | null }> = await knex(lockTable).select('is_locked');
  if (rows.length <= 1 || rows.some((row) => row.is_locked === 1)) return;
  await knex.transaction(async (trx) => {
    await trx(lockTable).del();
    await trx(lockTable).insert({ is_locked: 0 });
  });
}
