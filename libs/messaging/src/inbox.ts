import { checkOut } from '@refarch/postgres';
import type pg from 'pg';

export type InboxResult = 'processed' | 'duplicate';

/** Injection token of the service's inbox (`null` in a service without one). */
export const INBOX = Symbol('INBOX');

/** Applies a message's effects at most once per (consumer, message id). */
export interface Inbox {
  once(consumer: string, messageId: string, effects: (client: pg.PoolClient) => Promise<void>): Promise<InboxResult>;
}

/**
 * The inbox in PostgreSQL: the inbox row and the effects commit in one transaction. A redelivered message finds its
 * row and does nothing (`duplicate`); a crash before commit leaves neither, so the redelivery applies the effects then.
 * The transport runs every handler through it; nothing else needs to call it.
 */
export class PgInbox implements Inbox {
  constructor(private readonly pool: pg.Pool) {}

  async once(
    consumer: string,
    messageId: string,
    effects: (client: pg.PoolClient) => Promise<void>,
  ): Promise<InboxResult> {
    const client = await checkOut(this.pool);
    try {
      await client.query('BEGIN');
      const { rowCount } = await client.query(
        `INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [consumer, messageId],
      );
      if (rowCount === 0) {
        await client.query('ROLLBACK');
        return 'duplicate';
      }
      await effects(client);
      await client.query('COMMIT');
      return 'processed';
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
