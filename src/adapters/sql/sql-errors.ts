import { ApplicationError, IndexUnavailableError } from '../../application/application-error.js';

/** SQLite reports primary-key and unique violations with these extended codes; PostgreSQL with SQLSTATE 23505. */
const UNIQUE_VIOLATION_CODES: ReadonlySet<string> = new Set(['SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE', '23505']);

export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && UNIQUE_VIOLATION_CODES.has(String((error as { code?: unknown }).code));
}

/** Port errors pass through; every driver, pool or network failure becomes `IndexUnavailableError`. */
export function toIndexError(error: unknown, action: string): Error {
  if (error instanceof ApplicationError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new IndexUnavailableError(`cache index: ${action} failed: ${reason}`, { cause: error });
}

/** Runs one index statement (or a few); whatever it throws becomes what `toIndexError` makes of it. */
export async function indexOperation<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toIndexError(error, action);
  }
}
