import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Container } from 'inversify';
import { formatImportRun, importRunJson, tallyLine, type ImportRun, type ImportRunExtra } from '../../adapters/cli/import-report.js';
import { ProgressBar } from '../../adapters/cli/progress-bar.js';
import { FolderOriginalSource } from '../../adapters/filesystem/folder-original-source.js';
import { ApplicationError } from '../../application/application-error.js';
import type { OriginalSource, SourceEntry } from '../../application/ports/original-source.js';
import { ImportTally, type ImportOutcome } from '../../application/use-cases/import-originals.js';
import { TOKENS } from '../di/tokens.js';
import { bucketLocationOf, openBucketSource } from './bucket-source.js';
import { configOf, withApplication } from './cli-context.js';
import { EXIT, integerOption, stringOption, UsageError, type Command, type OptionSpec, type ParsedArguments } from './command.js';

/** More work in the same run once the originals are in (an old deployment's tokens), and what it adds to the report. */
export type ImportExtras = (container: Container, dryRun: boolean) => Promise<ImportRunExtra>;

/** What an import command does besides choosing its source; `lir import-legacy` builds on it. */
export interface ImportRunOptions {
  /** Shown in the summary and the report: the folder, the bucket URL. */
  readonly label: string;
  readonly source: OriginalSource;
  readonly extras?: ImportExtras;
}

/**
 * Entries in flight per render slot by default. Only the decode proof takes a slot (the render gate keeps decodes
 * at render.concurrency); the rest of an entry is waiting on I/O: the read, the fsyncs of the atomic write (most of
 * an entry's time), the index row. With one entry per slot the cores sat idle through every fsync; with four,
 * decodes run while other entries' writes reach the disk, and the parallel fsyncs share journal commits. Memory:
 * at most this many originals (each ≤ uploads.maxBytes) are held at once.
 */
const ENTRIES_PER_RENDER_SLOT = 4;

export const IMPORT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'dry-run': { type: 'boolean', help: 'probe every entry and report, but store nothing' },
  overwrite: { type: 'boolean', help: 'replace an id that already holds other content (default: refuse it)' },
  report: { type: 'string', value: 'FILE', help: 'also write the summary as JSON to FILE' },
  concurrency: { type: 'string', value: 'N', help: `entries read, probed and stored at once (default: ${ENTRIES_PER_RENDER_SLOT} × render.concurrency; decodes stay render.concurrency at a time)` },
  quiet: { type: 'boolean', short: 'q', help: 'no progress bar' },
};

/** Lists the whole source first (names only), so that the bar has a total and an ETA. */
async function listed(source: OriginalSource, progress: ProgressBar | undefined): Promise<SourceEntry[]> {
  const entries: SourceEntry[] = [];
  for await (const entry of source.entries()) {
    entries.push(entry);
    progress?.update(0, undefined, `listing: ${entries.length} found`);
  }
  return entries;
}

/**
 * Runs an import through the `ImportOriginals` use case over the configured stores and index, with a progress bar
 * on stderr, the summary on stdout and, with `--report`, as JSON. Refusals never fail the command; a failure that
 * stops the import (a store or the index unavailable) exits 1 after the summary of what was done.
 */
export async function runImport(args: ParsedArguments, options: ImportRunOptions, config = configOf(args)): Promise<number> {
  const dryRun = args.values['dry-run'] === true;
  const concurrency = integerOption(args, 'concurrency', 1) ?? ENTRIES_PER_RENDER_SLOT * config.render.concurrency;
  const reportFile = stringOption(args, 'report');
  const progress = args.values.quiet === true ? undefined : new ProgressBar(process.stderr, () => performance.now());
  const startedAt = new Date();
  const started = performance.now();
  const tally = new ImportTally(dryRun);
  let total: number | undefined;
  let stoppedBy: string | undefined;
  let extra: ImportRunExtra | undefined;
  try {
    await withApplication(config, async (container) => {
      const entries = await listed(options.source, progress);
      total = entries.length;
      const onOutcome = (outcome: ImportOutcome): void => {
        tally.add(outcome);
        progress?.update(tally.done, total, tallyLine(tally.summary()));
      };
      await container.get(TOKENS.ImportOriginals).execute({ entries, dryRun, replace: args.values.overwrite === true, concurrency, onOutcome });
      extra = await options.extras?.(container, dryRun);
    });
  } catch (error) {
    stoppedBy = error instanceof Error ? error.message : String(error);
    // A store or the index unavailable is expected and said in the summary; anything else is a bug worth its stack.
    if (!(error instanceof ApplicationError)) process.stderr.write(`${error instanceof Error ? error.stack : stoppedBy}\n`);
  }
  progress?.finish(tally.done, total, tallyLine(tally.summary()));
  const run: ImportRun = { source: options.label, startedAt, elapsedMs: performance.now() - started, summary: tally.summary(), ...(stoppedBy === undefined ? {} : { stoppedBy }), ...(extra === undefined ? {} : { extra }) };
  process.stdout.write(formatImportRun(run));
  if (reportFile !== undefined) await writeFile(reportFile, importRunJson(run));
  return stoppedBy === undefined ? EXIT.ok : EXIT.failed;
}

async function folderSourceOf(location: string): Promise<ImportRunOptions> {
  const folder = path.resolve(location);
  const found = await stat(folder).catch(() => undefined);
  if (found?.isDirectory() !== true) throw new UsageError(`${location} is not a folder`);
  return { label: folder, source: new FolderOriginalSource(folder) };
}

async function importFrom(args: ParsedArguments): Promise<number> {
  const location = args.positionals[0]!;
  const bucket = bucketLocationOf(location);
  if (bucket === undefined) return runImport(args, await folderSourceOf(location));
  const config = configOf(args);
  let opened;
  try {
    opened = await openBucketSource(bucket, config);
  } catch (error) {
    // The SDK is not installed (an optional dependency): the message says which package to install.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
  try {
    return await runImport(args, opened, config);
  } finally {
    opened.close();
  }
}

export const importCommand: Command = {
  name: 'import',
  arguments: '<folder | s3://BUCKET/PREFIX | gs://BUCKET/PREFIX>',
  positionals: { min: 1, max: 1 },
  summary: 'import originals in bulk from a folder or a bucket',
  description: `Imports every file directly in <folder> (or every object directly under PREFIX of an S3 or Cloud
Storage bucket) as an original, through the configured original store and index: the id is the file name
without its extension (holiday-01.jpg -> holiday-01; a file without an extension is its own id), hidden
files and subfolders are left out. Each file is probed like an upload (format, pixel and size limits, a
full decode); a file that fails is refused with the reason, and the import goes on.

A bucket is reached with the settings of the configured store that uses the same driver (originals first,
then renditions: endpoint, region, path style, keys; project, API endpoint, key file), or with the SDK's
defaults when none does (AWS_REGION, AWS_ENDPOINT_URL_S3 and the AWS credential chain; Application Default
Credentials, STORAGE_EMULATOR_HOST).

Idempotent and resumable: an id that already holds the same content (same hash) is skipped, so an
interrupted import is finished by running the same command again. An id that holds other content is
refused unless --overwrite. Exits 0 when the whole source was gone through (refusals included), 1 when
something stopped it (a store, the index or the bucket's listing unavailable).`,
  options: IMPORT_OPTIONS,
  run: importFrom,
};
