import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createEnvelope, type Envelope, type MessageData } from '@refarch/contracts';
import { addToOutbox } from '@refarch/messaging';
import { PG_POOL, type Pool, type PoolClient } from '@refarch/postgres';

export interface ShipmentView {
  shipmentId: string;
  orderId: string;
  status: 'CREATED' | 'CANCELLED';
  items: { sku: string; quantity: number }[];
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  order_id: string;
  status: 'CREATED' | 'CANCELLED';
  items: { sku: string; quantity: number }[];
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const view = (r: Row): ShipmentView => ({
  shipmentId: r.id,
  orderId: r.order_id,
  status: r.status,
  items: r.items,
  ...(r.reason ? { reason: r.reason } : {}),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** All persistence of shipments; runs inside the message handler's transaction (the inbox's), reply included. */
@Injectable()
export class ShippingRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Every shipment's order and status, oldest first (GET /admin/ledger, npm run verify). */
  async ledger(): Promise<{ orderId: string; status: string }[]> {
    const { rows } = await this.pool.query<{ orderId: string; status: string }>(
      `SELECT order_id AS "orderId", status FROM shipments ORDER BY created_at, id`,
    );
    return rows;
  }

  async find(orderId: string): Promise<ShipmentView | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM shipments WHERE order_id = $1`, [orderId]);
    return rows[0] ? view(rows[0]) : undefined;
  }

  /** Creates the shipment and replies `shipment-created`; a cancelled order replies `shipment-failed` instead. */
  async create(
    client: PoolClient,
    command: Envelope<MessageData<'shipping.create-shipment.v1'>>,
  ): Promise<'created' | 'exists' | 'refused'> {
    const { orderId, userId, items } = command.data;
    const { rows } = await client.query<Row>(
      `INSERT INTO shipments (id, order_id, user_id, items, status) VALUES ($1, $2, $3, $4, 'CREATED')
       ON CONFLICT (order_id) DO NOTHING RETURNING *`,
      [randomUUID(), orderId, userId, JSON.stringify(items)],
    );
    const reply = { correlationId: command.correlationId, causationId: command.id };
    if (rows[0]) {
      await addToOutbox(
        client,
        createEnvelope('shipping.shipment-created.v1', { shipmentId: rows[0].id, orderId }, reply),
      );
      return 'created';
    }
    const { rows: existing } = await client.query<Row>(`SELECT * FROM shipments WHERE order_id = $1 FOR UPDATE`, [
      orderId,
    ]);
    const shipment = existing[0]!;
    if (shipment.status === 'CANCELLED') {
      await addToOutbox(
        client,
        createEnvelope(
          'shipping.shipment-failed.v1',
          { orderId, reason: 'the order was cancelled before shipping' },
          reply,
        ),
      );
      return 'refused';
    }
    // Created by an earlier command for this order (a retry of the saga step): answer again, the saga dedupes.
    await addToOutbox(
      client,
      createEnvelope('shipping.shipment-created.v1', { shipmentId: shipment.id, orderId }, reply),
    );
    return 'exists';
  }

  /** Cancels (or records the cancellation of a shipment not created yet) and replies `shipment-cancelled`. */
  async cancel(
    client: PoolClient,
    command: Envelope<MessageData<'shipping.cancel-shipment.v1'>>,
  ): Promise<'cancelled' | 'already'> {
    const { orderId, reason } = command.data;
    const { rows } = await client.query<Row>(
      `INSERT INTO shipments (id, order_id, status, reason) VALUES ($1, $2, 'CANCELLED', $3)
       ON CONFLICT (order_id) DO UPDATE SET status = 'CANCELLED', reason = EXCLUDED.reason, updated_at = now()
         WHERE shipments.status <> 'CANCELLED'
       RETURNING *`,
      [randomUUID(), orderId, reason],
    );
    const shipment =
      rows[0] ?? (await client.query<Row>(`SELECT * FROM shipments WHERE order_id = $1`, [orderId])).rows[0]!;
    await addToOutbox(
      client,
      createEnvelope(
        'shipping.shipment-cancelled.v1',
        { shipmentId: shipment.id, orderId },
        { correlationId: command.correlationId, causationId: command.id },
      ),
    );
    return rows[0] ? 'cancelled' : 'already';
  }
}
