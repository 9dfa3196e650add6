import type { Envelope } from '@refarch/contracts';
import { addToOutbox } from '@refarch/messaging';
import { isPgError, UNIQUE_VIOLATION, withTransaction, type Pool } from '@refarch/postgres';
import type { NewOrder, Order, OrderStatus, OrderStore, PricedItem, TransitionResult } from './order.js';

interface Row {
  id: string;
  user_id: string;
  items: PricedItem[];
  total_cents: number;
  status: OrderStatus;
  reason: string | null;
  request_hash: string | null;
  created_at: Date;
  updated_at: Date;
}

function toOrder(row: Row): Order {
  return {
    orderId: row.id,
    userId: row.user_id,
    items: row.items,
    totalCents: row.total_cents,
    status: row.status,
    ...(row.reason ? { reason: row.reason } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Orders in PostgreSQL; events through the PostgreSQL outbox in the same transaction. */
export class PgOrderStore implements OrderStore {
  constructor(private readonly pool: Pool) {}

  async create(order: NewOrder, event: Envelope) {
    try {
      return await withTransaction(this.pool, async (client) => {
        const { rows } = await client.query<Row>(
          `INSERT INTO orders (id, user_id, items, total_cents, status, idempotency_key, request_hash)
           VALUES ($1, $2, $3, $4, 'PENDING', $5, $6) RETURNING *`,
          [
            order.orderId,
            order.userId,
            JSON.stringify(order.items),
            order.totalCents,
            order.idempotency?.key ?? null,
            order.idempotency?.requestHash ?? null,
          ],
        );
        await addToOutbox(client, event);
        return { order: toOrder(rows[0]!), created: true };
      });
    } catch (error) {
      if (order.idempotency && isPgError(error, UNIQUE_VIOLATION, 'orders_idempotency')) {
        const first = await this.findByKey(order.userId, order.idempotency.key);
        if (first) return { order: first.order, created: false, requestHash: first.requestHash };
      }
      throw error;
    }
  }

  async findByKey(userId: string, key: string) {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM orders WHERE user_id = $1 AND idempotency_key = $2`, [
      userId,
      key,
    ]);
    return rows[0] ? { order: toOrder(rows[0]), requestHash: rows[0].request_hash ?? '' } : undefined;
  }

  async find(orderId: string) {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM orders WHERE id = $1`, [orderId]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  async listByUser(userId: string, limit: number) {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`,
      [userId, limit],
    );
    return rows.map(toOrder);
  }

  async ledger() {
    const { rows } = await this.pool.query<{ id: string; status: OrderStatus; total_cents: number }>(
      `SELECT id, status, total_cents FROM orders ORDER BY created_at, id`,
    );
    return rows.map((r) => ({ orderId: r.id, status: r.status, totalCents: r.total_cents }));
  }

  async transition(
    orderId: string,
    to: 'APPROVED' | 'REJECTED',
    reason: string | undefined,
    event: (order: Order) => Envelope,
  ): Promise<TransitionResult> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<Row>(`SELECT * FROM orders WHERE id = $1 FOR UPDATE`, [orderId]);
      if (!rows[0]) return { outcome: 'not_found' };
      const current = toOrder(rows[0]);
      if (current.status === to) return { outcome: 'unchanged', order: current };
      if (current.status !== 'PENDING') return { outcome: 'illegal', order: current };
      const { rows: updated } = await client.query<Row>(
        `UPDATE orders SET status = $2, reason = $3, updated_at = now() WHERE id = $1 RETURNING *`,
        [orderId, to, reason ?? null],
      );
      const order = toOrder(updated[0]!);
      await addToOutbox(client, event(order));
      return { outcome: 'changed', order };
    });
  }
}
