import { createHash } from 'node:crypto';
import pg from 'pg';
import type { HeldRenditionLock, RenditionLock } from '../../application/ports/rendition-lock.js';
import { toIndexError } from './sql-errors.js';

/** The configuration slice `PostgresRenditionLock` needs. */
export interface PostgresRenditionLockConfig {
  readonly url: string;
  /**
   * Connections this process may hold for locks at once (one per rendition being rendered here). When all
   * are taken, a further `acquire` waits like any contended one and may run out of time.
   */
  readonly maxConnections: number;
}

const CONNECT_TIMEOUT_MS = 5_000;
/** Polling starts fast (a typical render takes tens of milliseconds) and backs off to spare the database. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

/**
 * The 64-bit advisory lock id of a rendition key: the first 8 bytes of a SHA-256, so ids are spread over the
 * whole bigint range. The namespace keeps them clear of other applications' advisory locks in the same
 * database; a collision would only make two renditions wait for each other once, never serve a wrong one.
 */
export function advisoryLockIdOf(key: string): bigint {
  return createHash('sha256').update(`live-image-resize:rendition:${key}`).digest().readBigInt64BE(0);
}

/**
 * A `RenditionLock` on PostgreSQL session-level advisory locks (`pg_try_advisory_lock`). Each held lock keeps
 * its own connection from a small pool of this adapter's own, separate from the index's knex pool: a lock is
 * held for a whole render plus the background store, and lock holders that took every index connection
 * would starve their own `saveRendition`. Because the lock belongs to the session, a holder that crashes (or
 * whose connection breaks) frees it at once — which is how waiters fall back when a holder dies.
 *
 * The instance owns its pool: call `close()` on shutdown.
 */
export class PostgresRenditionLock implements RenditionLock {
  private readonly pool: pg.Pool;
  private readonly maxConnections: number;
  /** Connections checked out now (held locks plus attempts in progress). */
  private leased = 0;

  constructor(config: PostgresRenditionLockConfig) {
    this.maxConnections = config.maxConnections;
    this.pool = new pg.Pool({
      connectionString: config.url,
      max: config.maxConnections,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 10_000,
    });
    // An idle connection that breaks (server restart, terminated backend) is dropped by the pool; without a
    // listener its 'error' event would crash the process.
    this.pool.on('error', () => undefined);
  }

  async acquire(key: string, waitMs: number): Promise<HeldRenditionLock | undefined> {
    const lockId = advisoryLockIdOf(key).toString();
    const deadline = Date.now() + Math.max(0, waitMs);
    let session: Session | undefined;
    try {
      for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
        if (session === undefined && this.leased < this.maxConnections) session = await this.connect();
        if (session !== undefined) {
          const result = await session.client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [lockId]);
          if (result.rows[0]?.locked === true) return this.held(session, lockId);
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          if (session !== undefined) this.giveBack(session, undefined);
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pause, remaining)));
      }
    } catch (error) {
      if (session !== undefined) this.giveBack(session, error);
      throw toIndexError(error, 'taking a rendition lock');
    }
  }

  /** Closes every pooled connection; locks still held are freed with their sessions. */
  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<Session> {
    this.leased += 1;
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      this.leased -= 1;
      throw error;
    }
    const session: Session = { client, broken: undefined, onError: () => undefined };
    // A checked-out client has no pool listener: a terminated backend would otherwise crash the process.
    session.onError = (error: Error) => (session.broken = error);
    client.on('error', session.onError);
    return session;
  }

  private held(session: Session, lockId: string): HeldRenditionLock {
    let released: Promise<void> | undefined;
    return {
      release: () =>
        (released ??= (async () => {
          if (session.broken !== undefined) {
            // The session is gone, and the lock with it.
            this.giveBack(session, session.broken);
            return;
          }
          try {
            await session.client.query('select pg_advisory_unlock($1::bigint)', [lockId]);
          } catch (error) {
            // Destroying the connection ends the session, which frees the lock on the server.
            this.giveBack(session, error);
            throw toIndexError(error, 'releasing a rendition lock');
          }
          this.giveBack(session, undefined);
        })()),
    };
  }

  /** Returns the connection to the pool, or destroys it when it failed (pg's `release(error)`). */
  private giveBack(session: Session, failure: unknown): void {
    if (failure === undefined) {
      // Idle again: the pool's own listener takes over.
      session.client.off('error', session.onError);
      session.client.release();
    } else {
      // Ours stays attached: a dying socket may still emit 'error' after the pool has dropped the client.
      session.client.release(failure instanceof Error ? failure : true);
    }
    this.leased -= 1;
  }
}

interface Session {
  readonly client: pg.PoolClient;
  broken: Error | undefined;
  onError: (error: Error) => void;
}
