import type { ImportOutcome, ImportSummary } from '../../application/use-cases/import-originals.js';

/** What a command adds to an import's summary and report (an old deployment's tokens, say). */
export interface ImportRunExtra {
  /** Lines of the summary, indented like its counts. */
  readonly lines: readonly string[];
  /** Keys of the `--report` file. */
  readonly json: Readonly<Record<string, unknown>>;
}

/** A finished (or stopped) import, as the summary and the `--report` file describe it. */
export interface ImportRun {
  readonly source: string;
  readonly startedAt: Date;
  readonly elapsedMs: number;
  readonly summary: ImportSummary;
  /** Why the import stopped before the end of the source; absent when it went through. */
  readonly stoppedBy?: string;
  readonly extra?: ImportRunExtra;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** `12 imported, 3 skipped, 1 refused` (the words a dry run uses for what it would do). */
export function tallyLine(counts: Pick<ImportSummary, 'imported' | 'skipped' | 'refused' | 'dryRun'>): string {
  return `${counts.imported} ${counts.dryRun ? 'would be imported' : 'imported'}, ${counts.skipped} skipped, ${counts.refused} refused`;
}

/** The summary for people: counts, then every refusal with its reason, then what to do next. */
export function formatImportRun(run: ImportRun): string {
  const { summary } = run;
  const lines = [
    `${run.stoppedBy === undefined ? 'Import finished' : 'Import STOPPED'}${summary.dryRun ? ' (dry run: nothing was stored)' : ''}: ${run.source}`,
    `  ${summary.imported} ${summary.dryRun ? 'would be imported' : 'imported'} (${megabytes(summary.importedBytes)}${summary.replaced > 0 ? `, ${summary.replaced} replacing other content` : ''})`,
    `  ${summary.skipped} skipped: already there with the same content`,
    `  ${summary.refused} refused${summary.refused > 0 ? ':' : ''}`,
    ...summary.refusals.map((r) => `    ${r.name}  ${r.code}  ${r.reason}`),
    ...(run.extra?.lines ?? []),
    `  in ${(run.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (run.stoppedBy !== undefined) {
    lines.push('', `Stopped by: ${run.stoppedBy}`, 'Fix that and run the same command again: what is already stored is skipped.');
  }
  return `${lines.join('\n')}\n`;
}

/** The `--report` file: the same facts, for machines. */
export function importRunJson(run: ImportRun): string {
  const { summary } = run;
  return `${JSON.stringify(
    {
      source: run.source,
      startedAt: run.startedAt.toISOString(),
      elapsedMs: Math.round(run.elapsedMs),
      completed: run.stoppedBy === undefined,
      ...(run.stoppedBy === undefined ? {} : { stoppedBy: run.stoppedBy }),
      dryRun: summary.dryRun,
      imported: summary.imported,
      replaced: summary.replaced,
      skipped: summary.skipped,
      refused: summary.refused,
      importedBytes: summary.importedBytes,
      refusals: summary.refusals.map(({ name, id, code, reason }: Extract<ImportOutcome, { status: 'refused' }>) => ({ name, id, code, reason })),
      ...run.extra?.json,
    },
    null,
    2,
  )}\n`;
}
