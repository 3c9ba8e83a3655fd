/** An upload token of the original service, as its `tokens` table kept it: the value itself, in clear. */
export interface LegacyTokenRecord {
  readonly value: string;
  /** Unvalidated: the old service took any text as an id. */
  readonly imageId: string;
  readonly validUntil: Date;
}

/** A box the old rendition cache (`images`) held, and for how many ids: how often it was asked for. */
export interface LegacyBox {
  /** Device pixels (the old service multiplied by the scale before it stored a row). */
  readonly width: number;
  readonly height: number;
  /** The old `fit` (`clip`, `crop`, `canvas`), `clip` where the old row had none. */
  readonly fit: string;
  /** The old `file_type`, a MIME type (`image/jpeg`). */
  readonly mimeType: string;
  /** Distinct ids rendered at this box. */
  readonly ids: number;
}

/**
 * The database of a deployment of the original service (SPEC §10), read-only: its `tokens`, `images` (the old
 * rendition cache) and `dbchangelog` tables, in PostgreSQL or the pre-1.0 SQLite file. Every method throws
 * `LegacySourceError` (with the driver's error as `cause`) when the database cannot be read or lacks a table.
 */
export interface LegacyDeployment {
  /** The last schema migration the old service recorded (`dbchangelog`), `undefined` when it recorded none. */
  schemaVersion(): Promise<string | undefined>;

  /** Its tokens that were never used, expired or not (the caller decides against its clock). */
  unusedTokens(): Promise<readonly LegacyTokenRecord[]>;

  /** The `limit` boxes rendered for the most ids, most first; ties by size. Empty without rows. */
  mostRequestedBoxes(limit: number): Promise<readonly LegacyBox[]>;

  /** The ids the old cache rendered at this box and type: the renditions its visitors asked for. */
  idsRenderedAt(box: LegacyBox): Promise<readonly string[]>;

  /**
   * The ids the old service had an original for, as its database shows them: those its rendition cache rendered
   * and those a used token uploaded (an unused token's id never had one). Sorted, each once; empty without rows.
   */
  idsWithOriginals(): Promise<readonly string[]>;

  /** Releases the connection; idempotent. */
  close(): Promise<void>;
}
