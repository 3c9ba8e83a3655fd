import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Container } from 'inversify';
import { FolderOriginalSource } from '../../adapters/filesystem/folder-original-source.js';
import { LegacySqlDeployment, type LegacyDatabaseLocation } from '../../adapters/sql/legacy-sql-deployment.js';
import { LegacySourceError } from '../../application/application-error.js';
import type { LegacyTokenImportSummary } from '../../application/use-cases/import-legacy-tokens.js';
import type { PrerenderSummary } from '../../application/use-cases/prerender-legacy-boxes.js';
import { loadDriver } from '../di/driver-loading.js';
import { TOKENS } from '../di/tokens.js';
import { EXIT, integerOption, stringOption, UsageError, type Command, type ParsedArguments } from './command.js';
import { IMPORT_OPTIONS, runImport, type ImportExtras } from './import-command.js';

function databaseOf(args: ParsedArguments): LegacyDatabaseLocation {
  const url = stringOption(args, 'database');
  const filename = stringOption(args, 'sqlite');
  if ((url === undefined) === (filename === undefined)) throw new UsageError('give the old database: --database POSTGRES_URL or --sqlite FILE (one of them)');
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new UsageError('--database must be a postgres:// URL (for the pre-1.0 SQLite file, use --sqlite FILE)');
    return { driver: 'postgres', url };
  }
  return { driver: 'sqlite', filename: path.resolve(filename!) };
}

async function originalsDirOf(args: ParsedArguments): Promise<string> {
  const given = stringOption(args, 'originals-dir');
  if (given === undefined) throw new UsageError('give the old originals_dir: --originals-dir DIR');
  const folder = path.resolve(given);
  if ((await stat(folder).catch(() => undefined))?.isDirectory() !== true) throw new UsageError(`${given} is not a folder`);
  return folder;
}

function tokenLines(tokens: LegacyTokenImportSummary, dryRun: boolean): string[] {
  return [
    `  tokens: ${tokens.imported} still-valid unused ${dryRun ? 'would be imported' : 'imported'}, ${tokens.skipped} already there, ${tokens.expired} expired left behind, ${tokens.refused.length} refused${tokens.refused.length > 0 ? ':' : ''}`,
    ...tokens.refused.map((r) => `    token for ${JSON.stringify(r.imageId)}  ${r.reason}`),
  ];
}

function prerenderLines(prerender: PrerenderSummary): string[] {
  return [
    `  prerendered: ${prerender.rendered} rendered, ${prerender.cached} already cached, ${prerender.failed.length} failed, for the ${prerender.boxes.length} most requested old boxes`,
    ...prerender.boxes.map((b) => `    ${b.width}x${b.height} ${b.fit} ${b.mimeType}: ${b.ids} ids`),
    ...prerender.failed.map((f) => `    ${f.id} at ${f.box}  ${f.reason}`),
  ];
}

/** The summary lists this many missing ids at most; the report lists them all. */
const MISSING_SHOWN = 20;

function missingLines(missing: readonly string[], folder: string): string[] {
  if (missing.length === 0) return [];
  const more = missing.length > MISSING_SHOWN ? [`    … and ${missing.length - MISSING_SHOWN} more (all in --report)`] : [];
  return [
    `  missing: ${missing.length} ids the old database lists (rendered, or uploaded with a token) have no file in ${folder}:`,
    ...missing.slice(0, MISSING_SHOWN).map((id) => `    ${JSON.stringify(id)}`),
    ...more,
  ];
}

/** The ids the old database shows an original for that are not a file of the old originals_dir: lost before the import, reported. */
async function missingOriginals(deployment: LegacySqlDeployment, folder: string): Promise<string[]> {
  const files = new Set(await readdir(folder));
  return (await deployment.idsWithOriginals()).filter((id) => !files.has(id));
}

/** After the originals: the ids without a file, the tokens, then (unless a dry run) the most requested old boxes. */
function legacyExtras(deployment: LegacySqlDeployment, folder: string, top: number): ImportExtras {
  return async (container: Container, dryRun: boolean) => {
    const missing = await missingOriginals(deployment, folder);
    const tokens = await container.get(TOKENS.ImportLegacyTokens).execute({ records: await deployment.unusedTokens(), dryRun });
    const prerender = dryRun || top === 0 ? undefined : await container.get(TOKENS.PrerenderLegacyBoxes).execute({ deployment, top });
    return {
      lines: [...missingLines(missing, folder), ...tokenLines(tokens, dryRun), ...(prerender === undefined ? [] : prerenderLines(prerender))],
      json: { missingOriginals: missing, tokens, ...(prerender === undefined ? {} : { prerender }) },
    };
  };
}

/**
 * knex, and `pg` for PostgreSQL, load only now, and a missing package is one line saying how to install it
 * (ADR 0029), like any other database that cannot be read.
 */
async function openDeployment(location: LegacyDatabaseLocation): Promise<LegacySqlDeployment> {
  const [setting, packages] = location.driver === 'postgres' ? ['--database', ['knex', 'pg']] : ['--sqlite', ['knex', 'better-sqlite3']];
  try {
    return await loadDriver(setting, packages, () => LegacySqlDeployment.open(location));
  } catch (error) {
    const missingPackage = error instanceof Error && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ERR_MODULE_NOT_FOUND';
    throw missingPackage ? new LegacySourceError(error.message, { cause: error }) : error;
  }
}

export const importLegacyCommand: Command = {
  name: 'import-legacy',
  arguments: '',
  positionals: { min: 0, max: 0 },
  summary: 'import a deployment of the original live-image-resize (originals, still-valid tokens)',
  description: `Imports a deployment of the original live-image-resize into the configured stores and index
(docs/migrating.md): every file of its originals_dir (named by the id, no extension; the format is
sniffed from the bytes) as an original, probed like an upload, and from its database (PostgreSQL with
--database, or the pre-1.0 SQLite file with --sqlite) the still-valid unused upload tokens, stored by
hash as ours are. The old database is only read. Old renditions are not imported; --prerender N renders
the N boxes the old rendition cache held for the most ids, for those ids.

Idempotent and resumable: what is already imported (same id, same content) is skipped, so running it
again imports only the delta. Refusals are reported and never stop it, as are the ids the old database
shows an original for (rendered, or uploaded with a used token) that have no file in originals_dir.`,
  options: {
    'originals-dir': { type: 'string', value: 'DIR', help: "the old service's originals_dir (required)" },
    database: { type: 'string', value: 'URL', help: 'the old PostgreSQL database, postgres://…' },
    sqlite: { type: 'string', value: 'FILE', help: 'or the old pre-1.0 SQLite file (cache.sqlite)' },
    prerender: { type: 'string', value: 'N', help: 'render the N most requested old boxes after the import (default 0)' },
    ...IMPORT_OPTIONS,
  },
  run: async (args) => {
    const folder = await originalsDirOf(args);
    const top = integerOption(args, 'prerender', 0) ?? 0;
    const location = databaseOf(args);
    let deployment: LegacySqlDeployment | undefined;
    try {
      deployment = await openDeployment(location);
      // Fails early, naming the table, when the database is not the old service's.
      await deployment.schemaVersion();
      return await runImport(args, {
        label: folder,
        // The old service named each file by its id whole: `holiday.2019` is that id (and refused), never `holiday`.
        source: new FolderOriginalSource(folder, { idOf: (name) => name }),
        extras: legacyExtras(deployment, folder, top),
      });
    } catch (error) {
      if (!(error instanceof LegacySourceError)) throw error;
      process.stderr.write(`lir import-legacy: ${error.message}\n`);
      return EXIT.failed;
    } finally {
      await deployment?.close();
    }
  },
};
