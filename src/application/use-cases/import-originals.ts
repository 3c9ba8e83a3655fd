import { DomainError, ImageTooLargeError } from '../../domain/domain-error.js';
import { parseImageId } from '../../domain/image-id.js';
import type { Limits } from '../../domain/limits.js';
import { contentVersionOf } from '../../domain/original.js';
import { ApplicationError, OriginalExistsError, RenderTimeoutError, SourceUnreadableError } from '../application-error.js';
import { OriginalIntake, type OriginalIntakeDependencies } from '../original-intake.js';
import type { SourceEntry } from '../ports/original-source.js';

export interface ImportOriginalsSettings {
  /** The originals' limits, as for uploads. */
  readonly limits: Pick<Limits, 'maxInputPixels' | 'maxFrames'>;
  /** The largest original in bytes (`uploads.maxBytes`): what an upload may bring, an import may bring. */
  readonly maxBytes: number;
}

export interface ImportOriginalsInput {
  /** The entries to import: a source's `entries()`, or any list of them. */
  readonly entries: AsyncIterable<SourceEntry> | Iterable<SourceEntry>;
  /** Probe every entry (id, size, header, decode) but store nothing. */
  readonly dryRun?: boolean;
  /** Replace an id that already holds other content; without it such an entry is refused (`ORIGINAL_EXISTS`). */
  readonly replace?: boolean;
  /** Entries probed and stored at once (each decode proof also waits for a render slot). Default 1. */
  readonly concurrency?: number;
  /** Called once per entry as soon as its outcome is known (progress, reports). */
  readonly onOutcome?: (outcome: ImportOutcome) => void;
}

/** What happened to one entry. A refusal names the error code and says why; it never stops the import. */
export type ImportOutcome =
  | { readonly status: 'imported'; readonly name: string; readonly id: string; readonly bytes: number; readonly replaced: boolean }
  | { readonly status: 'skipped'; readonly name: string; readonly id: string; readonly bytes: number; readonly reason: string }
  | { readonly status: 'refused'; readonly name: string; readonly id: string; readonly code: string; readonly reason: string };

export type ImportRefusal = Extract<ImportOutcome, { status: 'refused' }>;

export interface ImportSummary {
  readonly dryRun: boolean;
  /** Stored (or, in a dry run, that would be stored). */
  readonly imported: number;
  /** Of `imported`, how many replaced other content under the same id. */
  readonly replaced: number;
  /** Already there: same id, same content hash. */
  readonly skipped: number;
  readonly refused: number;
  /** Bytes of the imported entries. */
  readonly importedBytes: number;
  readonly refusals: readonly ImportRefusal[];
}

/** Counts outcomes into a summary; the use case keeps one, and a caller may keep its own from `onOutcome`. */
export class ImportTally {
  private imported = 0;
  private replaced = 0;
  private skipped = 0;
  private importedBytes = 0;
  private readonly refusals: ImportRefusal[] = [];

  constructor(private readonly dryRun = false) {}

  add(outcome: ImportOutcome): void {
    if (outcome.status === 'refused') this.refusals.push(outcome);
    else if (outcome.status === 'skipped') this.skipped += 1;
    else {
      this.imported += 1;
      this.importedBytes += outcome.bytes;
      if (outcome.replaced) this.replaced += 1;
    }
  }

  get done(): number {
    return this.imported + this.skipped + this.refusals.length;
  }

  summary(): ImportSummary {
    const { dryRun, imported, replaced, skipped, importedBytes } = this;
    return { dryRun, imported, replaced, skipped, refused: this.refusals.length, importedBytes, refusals: [...this.refusals] };
  }
}

/**
 * Errors about one entry: it is refused with the reason and the import goes on. Anything else (a store or the
 * index unavailable, a bug) concerns every entry, so the import stops; it can be run again and resumes, since
 * entries already stored are skipped.
 */
const REFUSALS: ReadonlyArray<abstract new (...args: never[]) => Error> = [DomainError, OriginalExistsError, RenderTimeoutError, SourceUnreadableError];

function refusalOf(entry: SourceEntry, error: unknown): ImportRefusal | undefined {
  if (!REFUSALS.some((kind) => error instanceof kind)) return undefined;
  const { code, message } = error as DomainError | ApplicationError;
  return { status: 'refused', name: entry.name, id: entry.id, code, reason: message };
}

/**
 * Brings many originals in at once from a folder, a bucket or an old deployment (SPEC §10), through the
 * configured stores and index. Each entry is probed like an upload and stored byte for byte like one, without
 * a token. Idempotent and resumable: an id that already holds the same content (same hash) is skipped.
 */
export class ImportOriginals {
  private readonly intake: OriginalIntake;

  constructor(
    private readonly deps: OriginalIntakeDependencies,
    private readonly settings: ImportOriginalsSettings,
  ) {
    this.intake = new OriginalIntake(deps, settings.limits);
  }

  /** Throws the first failure that is not about one entry, after the entries in progress have finished. */
  async execute(input: ImportOriginalsInput): Promise<ImportSummary> {
    const tally = new ImportTally(input.dryRun ?? false);
    const entries = Symbol.asyncIterator in input.entries ? input.entries[Symbol.asyncIterator]() : toAsync(input.entries[Symbol.iterator]());
    let failure: { readonly error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined) {
        try {
          const next = await entries.next();
          if (next.done === true) return;
          const outcome = await this.importOne(next.value, input);
          tally.add(outcome);
          input.onOutcome?.(outcome);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 1) }, worker));
    if (failure !== undefined) throw failure.error;
    return tally.summary();
  }

  private async importOne(entry: SourceEntry, input: ImportOriginalsInput): Promise<ImportOutcome> {
    try {
      return await this.admitAndStore(entry, input);
    } catch (error) {
      const refusal = refusalOf(entry, error);
      if (refusal === undefined) throw error;
      return refusal;
    }
  }

  private async admitAndStore(entry: SourceEntry, input: ImportOriginalsInput): Promise<ImportOutcome> {
    const { name } = entry;
    const id = parseImageId(entry.id);
    if (entry.bytes !== undefined) this.checkBytes(entry.bytes);
    const bytes = await entry.read();
    this.checkBytes(bytes.length);
    const previous = await this.deps.index.findOriginal(id);
    if (previous?.version === contentVersionOf(bytes)) {
      return { status: 'skipped', name, id, bytes: bytes.length, reason: 'already imported: same id, same content' };
    }
    if (previous !== undefined && input.replace !== true) {
      throw new OriginalExistsError(`id ${id} already has an original with other content (${previous.bytes} bytes, stored ${previous.uploadedAt.toISOString()})`);
    }
    const admitted = await this.intake.admit(bytes);
    if (input.dryRun !== true) {
      const original = this.intake.describe(id, bytes, admitted);
      await this.intake.store(original, bytes, { replace: input.replace === true, previous });
    }
    return { status: 'imported', name, id, bytes: bytes.length, replaced: previous !== undefined };
  }

  private checkBytes(bytes: number): void {
    if (bytes > this.settings.maxBytes) {
      throw new ImageTooLargeError(`${bytes} bytes, more than the ${this.settings.maxBytes} an upload may have (uploads.maxBytes)`);
    }
  }
}

async function* toAsync<T>(iterator: Iterator<T>): AsyncGenerator<T> {
  for (let next = iterator.next(); next.done !== true; next = iterator.next()) yield next.value;
}
