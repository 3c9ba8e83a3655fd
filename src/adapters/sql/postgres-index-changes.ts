import pg from 'pg';
import type { ImageId } from '../../domain/image-id.js';
import type { IndexChange, IndexChanges } from '../../application/ports/index-changes.js';
import type { Logger } from '../../application/ports/logger.js';
import { toIndexError } from './sql-errors.js';
import { INDEX_CHANGES_CHANNEL } from './sql-migrations.js';

const CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_RECONNECT_MS = 1_000;

export interface PostgresIndexChangesConfig {
  readonly url: string;
  /** How long to wait before listening again after the connection was lost; 1 s when absent. */
  readonly reconnectMs?: number;
}

/** What a trigger sends: the schema it fired in, and the original's id or the rendition's key. */
interface Announcement {
  readonly schema?: unknown;
  readonly original?: unknown;
  readonly rendition?: unknown;
}

/**
 * `IndexChanges` through PostgreSQL `LISTEN/NOTIFY`: triggers on the index's tables (migration 0004) announce every
 * replaced or removed original and every removed rendition row when its transaction commits, whichever process
 * or tool wrote it. One connection of its own, outside the index's pool (a listening session must stay open).
 * Announcements from other schemas of the same database are ignored. When the connection is lost, subscribers
 * hear `unknown` (changes may go unheard) and again once it listens anew; it retries every `reconnectMs`.
 *
 * The instance owns its connection: call `close()` on shutdown.
 */
export class PostgresIndexChanges implements IndexChanges {
  private readonly listeners: Array<(change: IndexChange) => void> = [];
  private client: pg.Client | undefined;
  private schema: string | undefined;
  private closed = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly config: PostgresIndexChangesConfig,
    private readonly logger: Logger,
  ) {}

  subscribe(listener: (change: IndexChange) => void): void {
    this.listeners.push(listener);
  }

  /** Listens; throws `IndexUnavailableError` when it cannot. A connection lost later is re-established by itself. */
  async start(): Promise<void> {
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.config.url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // Without listeners, a dropped connection's 'error' would end the process.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => this.received(message.payload));
    try {
      await client.connect();
      const result = await client.query<{ schema: string }>('select current_schema() as schema');
      this.schema = result.rows[0]?.schema;
      await client.query(`listen ${INDEX_CHANGES_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw toIndexError(error, 'listening for index changes');
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Whatever was changed between losing the previous connection and now went unheard.
    this.emit({ kind: 'unknown' });
  }

  private lost(client: pg.Client): void {
    if (client !== this.client) return;
    this.client = undefined;
    this.emit({ kind: 'unknown' });
    if (this.closed) return;
    this.logger.warn('lost the connection that listens for index changes; listening again', { reconnectMs: this.reconnectMs });
    this.reconnectLater();
  }

  private reconnectLater(): void {
    this.retry = setTimeout(() => {
      this.connect().catch(() => this.reconnectLater());
    }, this.reconnectMs);
    this.retry.unref();
  }

  private get reconnectMs(): number {
    return this.config.reconnectMs ?? DEFAULT_RECONNECT_MS;
  }

  private received(payload: string | undefined): void {
    let announcement: Announcement;
    try {
      announcement = JSON.parse(payload ?? '') as Announcement;
    } catch {
      // Not ours (another application on the channel): nothing to forget.
      return;
    }
    if (announcement.schema !== this.schema) return;
    if (typeof announcement.original === 'string') this.emit({ kind: 'original', id: announcement.original as ImageId });
    else if (typeof announcement.rendition === 'string') this.emit({ kind: 'rendition', key: announcement.rendition });
  }

  private emit(change: IndexChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
