import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { CORPUS_DIR } from './service-harness.js';
import { TEST_DATABASE_URL_VARIABLE } from './sql-databases.js';

/**
 * The original service's schema as its pg-migration files left it (issue #17): `images` was its rendition cache
 * (`url` pointing into S3), `tokens` kept each token's value in clear.
 */
export const LEGACY_POSTGRES_SCHEMA = [
  `create table images (id varchar(255), x int, y int, fit varchar(8), file_type varchar(16), url varchar(255),
     blur boolean default false, rendered_at timestamptz, quality int not null default -1)`,
  'create unique index images_unique on images (id, x, y, fit, file_type, blur, quality)',
  'create table tokens (id varchar(255), image_id varchar(255), used int, valid_until timestamptz, uploaded_at timestamptz)',
  'create table dbchangelog (id varchar(255), datetime timestamptz)',
  'create table appchangelog (name varchar(255), created_at timestamptz, completed_at timestamptz)',
];

/** The same tables in the pre-1.0 SQLite `cache.sqlite`, dates as SQLite's `datetime()` text (UTC, no zone). */
export const LEGACY_SQLITE_SCHEMA = [
  `create table images (id varchar(255), x int, y int, fit varchar(8), file_type varchar(16), url varchar(255),
     blur boolean default 0, rendered_at datetime, quality int not null default -1)`,
  'create unique index images_unique on images (id, x, y, fit, file_type, blur, quality)',
  'create table tokens (id varchar(255), image_id varchar(255), used int, valid_until datetime, uploaded_at datetime)',
  'create table dbchangelog (id varchar(255), datetime datetime)',
  'create table appchangelog (name varchar(255), created_at datetime, completed_at datetime)',
];

/** One original in the old `originals_dir`: a file named by its id, no extension. */
export interface LegacyOriginal {
  readonly id: string;
  /** A corpus file (relative to ../shared/corpus), or literal content. */
  readonly from: { readonly corpus: string } | { readonly text: string };
  /** Its displayed size when it must import; `undefined` when it must be refused. */
  readonly size?: { readonly width: number; readonly height: number };
  /** Why it must be refused: the error code the import reports. */
  readonly refusedAs?: string;
}

export const LEGACY_ORIGINALS: readonly LegacyOriginal[] = [
  { id: 'portrait-photo', from: { corpus: 'exif-orientation/Portrait_6.jpg' }, size: { width: 1200, height: 1800 } },
  { id: 'geometry', from: { corpus: 'valid/imgproxy--geometry.png' }, size: { width: 200, height: 100 } },
  { id: 'lossless_webp', from: { corpus: 'valid/image-size--lossless.webp' }, size: { width: 123, height: 456 } },
  { id: 'testimg', from: { corpus: 'valid/sharp--testimgl.jpg' }, size: { width: 227, height: 149 } },
  { id: 'squares-anim', from: { corpus: 'valid/sharp--rotating-squares.gif' }, size: { width: 80, height: 80 } },
  // A truncated PNG: its header reads, its pixels do not.
  { id: 'damaged', from: { corpus: 'invalid/sharp--truncated.png' }, refusedAs: 'UNSUPPORTED_IMAGE' },
  { id: 'logo', from: { text: '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n' }, refusedAs: 'UNSUPPORTED_IMAGE' },
  // The old service took any text as an id; a dot is not one of ours.
  { id: 'holiday.2019', from: { corpus: 'valid/imgproxy--geometry.png' }, refusedAs: 'INVALID_ID' },
];

/** Writes the old `originals_dir`: one file per id, named by the id, no extension. */
export function writeLegacyOriginals(folder: string, originals: readonly LegacyOriginal[] = LEGACY_ORIGINALS): void {
  mkdirSync(folder, { recursive: true });
  for (const original of originals) {
    const file = path.join(folder, original.id);
    if ('corpus' in original.from) copyFileSync(path.join(CORPUS_DIR, original.from.corpus), file);
    else writeFileSync(file, original.from.text);
  }
}

/**
 * Ids the old database shows an original for (a rendition of one, a used token of the other) whose files are not
 * in the old originals_dir: lost before the import, which reports them.
 */
export const LOST_LEGACY_IDS = ['lost-rendered', 'lost-uploaded'] as const;

export const VALID_LEGACY_TOKEN = '7c9e6679-7425-40de-944b-e07cc6b5f0aa';
export const USED_LEGACY_TOKEN = '16fd2706-8baf-433b-82eb-8c7fada847da';
export const EXPIRED_LEGACY_TOKEN = '886313e1-3b8a-5372-9b90-0c9aee199e5d';

/** Rows an old deployment would hold: renditions at a few boxes, and tokens in each state. */
export async function seedLegacyRows(knex: Knex, now: Date = new Date()): Promise<void> {
  const at = (minutes: number): Date | string => {
    const date = new Date(now.getTime() + minutes * 60_000);
    // SQLite's datetime() text, as the old service wrote it there.
    return knex.client.config.client === 'pg' ? date : date.toISOString().replace('T', ' ').slice(0, 19);
  };
  const rendition = (id: string, x: number, y: number, fit: string, fileType = 'image/jpeg') => ({
    id, x, y, fit, file_type: fileType, url: `https://old-bucket.s3.amazonaws.com/${id}_${x}_${y}.jpg`, rendered_at: at(-600),
  });
  await knex('images').insert([
    // 200x200 clip JPEG for three ids: the most requested box.
    rendition('portrait-photo', 200, 200, 'clip'),
    rendition('geometry', 200, 200, 'clip'),
    rendition('testimg', 200, 200, 'clip'),
    // 100x100 crop PNG for two ids (one whose original is damaged).
    rendition('geometry', 100, 100, 'crop', 'image/png'),
    rendition('damaged', 100, 100, 'crop', 'image/png'),
    // Once only.
    rendition('testimg', 640, 480, 'canvas'),
    // An id whose file is gone: the least requested box, so that --prerender 2 never reaches it.
    rendition(LOST_LEGACY_IDS[0], 50, 50, 'clip'),
  ]);
  await knex('tokens').insert([
    { id: VALID_LEGACY_TOKEN, image_id: 'late-upload', used: 0, valid_until: at(10), uploaded_at: null },
    { id: USED_LEGACY_TOKEN, image_id: 'geometry', used: 1, valid_until: at(-60), uploaded_at: at(-70) },
    { id: EXPIRED_LEGACY_TOKEN, image_id: 'never-came', used: 0, valid_until: at(-5), uploaded_at: null },
    { id: 'bad-id-token', image_id: 'has a space', used: 0, valid_until: at(10), uploaded_at: null },
    { id: 'c9bf9e57-1685-4c89-bafb-ff5af830be8a', image_id: LOST_LEGACY_IDS[1], used: 1, valid_until: at(-30), uploaded_at: at(-40) },
  ]);
  await knex('dbchangelog').insert([{ id: '20160111214207', datetime: at(-99_999) }, { id: '20190521132150', datetime: at(-9_999) }]);
}

/** An old PostgreSQL deployment: a database of its own, created from scratch on TEST_DATABASE_URL's server and dropped after. */
export interface LegacyPostgres {
  readonly url: string;
  drop(): Promise<void>;
}

/** `undefined` (after printing why) when TEST_DATABASE_URL is not set. */
export async function createLegacyPostgres(now?: Date): Promise<LegacyPostgres | undefined> {
  const serverUrl = process.env[TEST_DATABASE_URL_VARIABLE];
  if (serverUrl === undefined || serverUrl === '') {
    console.warn(`      skipping the old PostgreSQL deployment: set ${TEST_DATABASE_URL_VARIABLE} (e.g. postgres://postgres@127.0.0.1:5432/test)`);
    return undefined;
  }
  const name = `lir_legacy_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw('create database ??', [name]);
  } finally {
    await admin.destroy();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const knex = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
  try {
    for (const statement of LEGACY_POSTGRES_SCHEMA) await knex.raw(statement);
    await seedLegacyRows(knex, now);
  } finally {
    await knex.destroy();
  }
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
      try {
        await dropper.raw('drop database if exists ?? with (force)', [name]);
      } finally {
        await dropper.destroy();
      }
    },
  };
}

/** An old pre-1.0 SQLite deployment: `cache.sqlite` in `folder`. Returns its path. */
export async function createLegacySqlite(folder: string, now?: Date): Promise<string> {
  mkdirSync(folder, { recursive: true });
  const filename = path.join(folder, 'cache.sqlite');
  const knex = knexFactory({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true });
  try {
    for (const statement of LEGACY_SQLITE_SCHEMA) await knex.raw(statement);
    await seedLegacyRows(knex, now);
  } finally {
    await knex.destroy();
  }
  return filename;
}
