import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createEnvelope, type Envelope } from '@refarch/contracts';
import { addToOutbox } from '@refarch/messaging';
import { currentCorrelationId } from '@refarch/observability';
import { PG_POOL, withTransaction, type Pool } from '@refarch/postgres';
import { PaymentConflictError, PaymentNotFoundError } from './payment.errors.js';
import type { PaymentStatus, PaymentView } from './payments.dto.js';

interface Row {
  id: string;
  order_id: string;
  user_id: string;
  amount_cents: number;
  status: PaymentStatus;
  decline_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function view(row: Row): PaymentView {
  return {
    paymentId: row.id,
    orderId: row.order_id,
    userId: row.user_id,
    amountCents: row.amount_cents,
    status: row.status,
    ...(row.decline_reason ? { reason: row.decline_reason } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The legal transitions: capture and void from AUTHORIZED, refund from CAPTURED. */
const FROM: Record<'CAPTURED' | 'VOIDED' | 'REFUNDED', PaymentStatus> = {
  CAPTURED: 'AUTHORIZED',
  VOIDED: 'AUTHORIZED',
  REFUNDED: 'CAPTURED',
};

/** All persistence of payments; every state change writes its event to the outbox in the same transaction. */
@Injectable()
export class PaymentsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Every payment's order, status and amount, oldest first (GET /admin/ledger, npm run verify). */
  async ledger(): Promise<{ orderId: string; status: string; amountCents: number }[]> {
    const { rows } = await this.pool.query<{ orderId: string; status: string; amountCents: number }>(
      `SELECT order_id AS "orderId", status, amount_cents AS "amountCents" FROM payments ORDER BY created_at, id`,
    );
    return rows;
  }

  async find(orderId: string): Promise<PaymentView | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM payments WHERE order_id = $1`, [orderId]);
    return rows[0] ? view(rows[0]) : undefined;
  }

  /**
   * Records the authorization decision once per order: `INSERT … ON CONFLICT DO NOTHING` lets exactly one of any
   * number of concurrent calls create the payment (and its event); the others read it back. A second call with
   * another amount or user is a conflict, never a second charge.
   */
  async authorize(
    input: { orderId: string; userId: string; amountCents: number },
    decision: { declined: false } | { declined: true; reason: string },
  ): Promise<{ payment: PaymentView; created: boolean }> {
    return withTransaction(this.pool, async (client) => {
      const id = randomUUID();
      const status: PaymentStatus = decision.declined ? 'DECLINED' : 'AUTHORIZED';
      const { rows } = await client.query<Row>(
        `INSERT INTO payments (id, order_id, user_id, amount_cents, status, decline_reason)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING RETURNING *`,
        [id, input.orderId, input.userId, input.amountCents, status, decision.declined ? decision.reason : null],
      );
      if (rows[0]) {
        const correlationId = currentCorrelationId() ?? input.orderId;
        const event: Envelope = decision.declined
          ? createEnvelope(
              'payments.payment-declined.v1',
              { orderId: input.orderId, userId: input.userId, amountCents: input.amountCents, reason: decision.reason },
              { correlationId },
            )
          : createEnvelope(
              'payments.payment-authorized.v1',
              { paymentId: id, orderId: input.orderId, userId: input.userId, amountCents: input.amountCents },
              { correlationId },
            );
        await addToOutbox(client, event);
        return { payment: view(rows[0]), created: true };
      }
      const { rows: existing } = await client.query<Row>(`SELECT * FROM payments WHERE order_id = $1`, [input.orderId]);
      const payment = view(existing[0]!);
      if (payment.amountCents !== input.amountCents || payment.userId !== input.userId) {
        throw new PaymentConflictError(`Order ${input.orderId} was already authorized for another amount or user`);
      }
      return { payment, created: false };
    });
  }

  /** Capture, void or refund; repeating the same operation is a no-op, an illegal one a conflict. */
  async transition(
    orderId: string,
    to: 'CAPTURED' | 'VOIDED' | 'REFUNDED',
  ): Promise<{ payment: PaymentView; changed: boolean }> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<Row>(`SELECT * FROM payments WHERE order_id = $1 FOR UPDATE`, [orderId]);
      const current = rows[0];
      if (!current) throw new PaymentNotFoundError(orderId);
      if (current.status === to) return { payment: view(current), changed: false };
      if (current.status !== FROM[to]) {
        throw new PaymentConflictError(`Payment of order ${orderId} is ${current.status}; cannot become ${to}`);
      }
      const { rows: updated } = await client.query<Row>(
        `UPDATE payments SET status = $2, updated_at = now() WHERE id = $1 RETURNING *`,
        [current.id, to],
      );
      const data = { paymentId: current.id, orderId, amountCents: current.amount_cents };
      const correlationId = currentCorrelationId() ?? orderId;
      const type = (
        {
          CAPTURED: 'payments.payment-captured.v1',
          VOIDED: 'payments.payment-voided.v1',
          REFUNDED: 'payments.payment-refunded.v1',
        } as const
      )[to];
      await addToOutbox(client, createEnvelope(type, data, { correlationId }));
      return { payment: view(updated[0]!), changed: true };
    });
  }
}
