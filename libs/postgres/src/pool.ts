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
  const client = await pool.connect();
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

/** SQLSTATE of a unique-constraint violation. */
export const UNIQUE_VIOLATION = '23505';

/** True when `error` is a PostgreSQL error with SQLSTATE `code` (optionally on `constraint`). */
export function isPgError(error: unknown, code: string, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; constraint?: unknown };
  return e.code === code && (constraint === undefined || e.constraint === constraint);
}
