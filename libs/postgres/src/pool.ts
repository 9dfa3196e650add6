import pg from 'pg';

export type { Pool, PoolClient } from 'pg';

export interface PoolOptions {
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName: string;
  max?: number;
  /** Fail fast when the server does not answer (readiness must answer within ~1 s). */
  connectionTimeoutMillis?: number;
  /** Server-side cap for any statement. */
  statementTimeoutMillis?: number;
  /** Called for errors on idle clients (server restart, network cut). Without a handler pg would crash the process. */
  onError?: (error: Error) => void;
}

/** A pg pool with timeouts set and idle-client errors handled, so a database outage never kills the process. */
export function createPool(connectionString: string, options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    application_name: options.applicationName,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 2_000,
    statement_timeout: options.statementTimeoutMillis ?? 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => options.onError?.(error));
  return pool;
}

/** Runs `work` in one transaction: commits when it resolves, rolls back when it throws. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkOut(pool);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const ignore = () => undefined;

/**
 * `pool.connect()` for a client held across awaits that are not queries (a transaction waiting on a broker, say).
 * A checked-out client whose connection drops while idle emits 'error' on itself, and pg pools listen only on idle
 * clients: without a listener the process would crash. The failure still surfaces at the next query. The listener
 * goes when the client is released.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  client.on('error', ignore);
  const release = client.release.bind(client);
  client.release = (err?: Error | boolean) => {
    client.off('error', ignore);
    return release(err);
  };
  return client;
}

/** SQLSTATE of a unique-constraint violation. */
export const UNIQUE_VIOLATION = '23505';

/** True when `error` is a PostgreSQL error with SQLSTATE `code` (optionally on `constraint`). */
export function isPgError(error: unknown, code: string, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === code && (constraint === undefined || e.constraint === constraint);
}
