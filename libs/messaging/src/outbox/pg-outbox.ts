import { fileURLToPath } from 'node:url';
import type { Envelope } from '@refarch/contracts';
import { checkOut } from '@refarch/postgres';
import pg from 'pg';
import type { ClaimedBatch, OutboxRecord, OutboxStore } from './relay.js';
import { outboxHeaders } from './trace.js';

/** Migrations of the messaging tables (`outbox`, `inbox`); services run them with their own (PostgresModule). */
export const MESSAGING_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));
export const MESSAGING_MIGRATIONS_TABLE = 'messaging_schema_migrations';

const CHANNEL = 'refarch_outbox';

export interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * Writes a message to the outbox inside the caller's transaction (`client` is the transaction's client), and
 * notifies the relay, which PostgreSQL delivers on commit only. `destination`: `event`, or a queue for a command.
 * The current trace goes with it (`traceparent`), so the published message continues the caller's trace.
 */
export async function addToOutbox(
  client: Queryable,
  envelope: Envelope,
  options: { destination?: string; headers?: Record<string, unknown> } = {},
): Promise<void> {
  await client.query(`INSERT INTO outbox (id, destination, type, envelope, headers) VALUES ($1, $2, $3, $4, $5)`, [
    envelope.id,
    options.destination ?? 'event',
    envelope.type,
    JSON.stringify(envelope),
    JSON.stringify(outboxHeaders(options.headers)),
  ]);
  await client.query(`SELECT pg_notify('${CHANNEL}', '')`);
}

interface Row {
  id: string;
  destination: string;
  envelope: Envelope;
  headers: Record<string, unknown>;
  created_at: Date;
}

/**
 * The outbox table as a relay store: a claim is a transaction holding `FOR UPDATE SKIP LOCKED` row locks, so
 * several relays share the work without publishing a record twice; marking and commit happen after the confirms.
 */
export class PgOutboxStore implements OutboxStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly connectionString?: string,
  ) {}

  async claim(limit: number): Promise<ClaimedBatch> {
    // Held open while the broker confirms: checkOut() keeps a dropped connection from crashing the process.
    const client = await checkOut(this.pool);
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<Row>(
        `SELECT id, destination, envelope, headers, created_at FROM outbox
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      const records: OutboxRecord[] = rows.map((r) => ({
        id: r.id,
        destination: r.destination,
        envelope: r.envelope,
        headers: r.headers,
        createdAt: r.created_at,
      }));
      return {
        records,
        complete: async (publishedIds) => {
          try {
            if (publishedIds.length) {
              await client.query(`UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [
                publishedIds,
              ]);
            }
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
        },
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      throw error;
    }
  }

  async pendingCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM outbox WHERE published_at IS NULL`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async prune(olderThanMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1::double precision / 1000)`,
      [olderThanMs],
    );
    return rowCount ?? 0;
  }

  /** LISTEN on a dedicated connection (a pooled one would lose it); reconnects after errors. */
  async watch(wake: () => void): Promise<() => Promise<void>> {
    if (!this.connectionString) return () => Promise.resolve();
    let stopped = false;
    let client: pg.Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    const listen = async () => {
      if (stopped) return;
      const c = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 2_000 });
      let failed = false;
      c.on('notification', () => wake());
      c.on('error', () => {
        if (failed) return;
        failed = true;
        void c.end().catch(() => undefined);
        if (!stopped) retry = setTimeout(() => void listen(), 1_000);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${CHANNEL}`);
        client = c;
        wake(); // catch up on anything written while not listening
      } catch {
        await c.end().catch(() => undefined);
        if (!stopped) retry = setTimeout(() => void listen(), 1_000);
      }
    };
    await listen();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }
}
