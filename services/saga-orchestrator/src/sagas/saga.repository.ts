import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Envelope, MessageData } from '@refarch/contracts';
import { addToOutbox } from '@refarch/messaging';
import { activeTraceparent, currentContext } from '@refarch/observability';
import { PG_POOL, withTransaction, type Pool, type PoolClient } from '@refarch/postgres';
import { TERMINAL, type Saga, type SagaState, type SagaTransitionRecord } from './saga.js';

interface Row {
  id: string;
  order_id: string;
  user_id: string;
  items: Saga['items'];
  total_cents: number;
  correlation_id: string;
  trace_id: string | null;
  trace_parent: string | null;
  parked_by: string | null;
  state: SagaState;
  payment_authorized: boolean;
  stock_reserved: boolean;
  shipment_requested: boolean;
  reason: string | null;
  waiting: string | null;
  attempts: number;
  next_attempt_at: Date;
  step_deadline_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const toSaga = (r: Row): Saga => ({
  id: r.id,
  orderId: r.order_id,
  userId: r.user_id,
  items: r.items,
  totalCents: r.total_cents,
  correlationId: r.correlation_id,
  traceId: r.trace_id,
  traceParent: r.trace_parent,
  parkedBy: r.parked_by,
  state: r.state,
  paymentAuthorized: r.payment_authorized,
  stockReserved: r.stock_reserved,
  shipmentRequested: r.shipment_requested,
  reason: r.reason,
  waiting: r.waiting,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  stepDeadlineAt: r.step_deadline_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A state change decided by the driver (or a reply), applied only if the saga is still where it was read. */
export interface Change {
  to: SagaState;
  detail?: string;
  set?: Partial<Pick<Saga, 'paymentAuthorized' | 'stockReserved' | 'shipmentRequested' | 'reason'>>;
  /** When to act next; default now. */
  nextAttemptAt?: Date;
  stepDeadlineAt?: Date | null;
  /** A command sent atomically with the change (through the outbox). */
  command?: { queue: string; envelope: Envelope };
}

const TERMINAL_LIST = `('${TERMINAL.join("','")}')`;

@Injectable()
export class SagaRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** One saga per order: a duplicate order-created event finds it and starts nothing. */
  async start(
    client: PoolClient,
    event: Envelope<MessageData<'orders.order-created.v1'>>,
    stepDeadlineAt: Date,
  ): Promise<boolean> {
    const { orderId, userId, items, totalCents } = event.data;
    const id = randomUUID();
    const { rowCount } = await client.query(
      `INSERT INTO sagas (id, order_id, user_id, items, total_cents, correlation_id, trace_id, trace_parent, state,
                          step_deadline_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'STARTED', $9) ON CONFLICT (order_id) DO NOTHING`,
      [
        id,
        orderId,
        userId,
        JSON.stringify(items),
        totalCents,
        event.correlationId,
        currentContext()?.traceId ?? null,
        activeTraceparent() ?? null,
        stepDeadlineAt,
      ],
    );
    if (rowCount)
      await client.query(`INSERT INTO saga_transitions (saga_id, to_state, detail) VALUES ($1, 'STARTED', $2)`, [
        id,
        `order ${orderId} created`,
      ]);
    return rowCount === 1;
  }

  /** Claims up to `limit` due sagas for `owner` for `leaseMs` (skipping ones another replica holds). */
  async claimDue(owner: string, leaseMs: number, limit: number): Promise<Saga[]> {
    const { rows } = await this.pool.query<Row>(
      `UPDATE sagas SET lease_owner = $1, lease_until = now() + make_interval(secs => $2::double precision / 1000)
        WHERE id IN (SELECT id FROM sagas
                      WHERE state NOT IN ${TERMINAL_LIST} AND next_attempt_at <= now()
                        AND (lease_until IS NULL OR lease_until < now())
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [owner, leaseMs, limit],
    );
    return rows.map(toSaga);
  }

  async release(owner: string, ids?: string[]): Promise<void> {
    await this.pool.query(
      `UPDATE sagas SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 ${ids ? 'AND id = ANY($2::uuid[])' : ''}`,
      ids ? [owner, ids] : [owner],
    );
  }

  /**
   * Applies `change` if the saga is still in `from` (and, for the driver, still leased by `owner`), recording the
   * transition and sending its command in the same transaction. Returns the new saga, or undefined if it moved on.
   * The state change and its saga_transitions row are one statement (a data-modifying CTE), so a change without a
   * command is one round trip and one commit; with `release`, the driver's lease ends in the same statement.
   */
  async transition(
    sagaId: string,
    from: SagaState,
    change: Change,
    owner?: string,
    client?: PoolClient,
    release = false,
  ): Promise<Saga | undefined> {
    const set = change.set ?? {};
    const move = async (c: Pool | PoolClient) => {
      const { rows } = await c.query<Row>(
        `WITH moved AS (
           UPDATE sagas SET state = $3, reason = COALESCE($4, reason),
                  payment_authorized = COALESCE($5, payment_authorized), stock_reserved = COALESCE($6, stock_reserved),
                  shipment_requested = COALESCE($7, shipment_requested), waiting = NULL, parked_by = NULL, attempts = 0,
                  next_attempt_at = $8, step_deadline_at = $9, updated_at = now()
                  ${release ? ', lease_owner = NULL, lease_until = NULL' : ''}
            WHERE id = $1 AND state = $2 ${owner ? 'AND lease_owner = $11' : ''}
            RETURNING *
         ), logged AS (
           INSERT INTO saga_transitions (saga_id, from_state, to_state, detail) SELECT id, $2, $3, $10 FROM moved
         )
         SELECT * FROM moved`,
        [
          sagaId,
          from,
          change.to,
          set.reason ?? null,
          set.paymentAuthorized ?? null,
          set.stockReserved ?? null,
          set.shipmentRequested ?? null,
          change.nextAttemptAt ?? new Date(),
          change.stepDeadlineAt === undefined ? null : change.stepDeadlineAt,
          change.detail ?? null,
          ...(owner ? [owner] : []),
        ],
      );
      return rows[0];
    };
    const command = change.command;
    if (!command && !client) {
      const row = await move(this.pool);
      return row ? toSaga(row) : undefined;
    }
    const work = async (c: PoolClient) => {
      const row = await move(c);
      if (!row) return undefined;
      if (command) await addToOutbox(c, command.envelope, { destination: command.queue });
      return toSaga(row);
    };
    return client ? work(client) : withTransaction(this.pool, work);
  }

  /**
   * Same state, try again later: parked on an open breaker, or retrying after a failure. `parkedBy`: the traceparent
   * of the step span doing it, for the resumed step's link. The driver's lease ends with it (it waits until then).
   */
  async postpone(
    sagaId: string,
    owner: string,
    nextAttemptAt: Date,
    waiting: string,
    countAttempt: boolean,
    parkedBy?: string,
  ): Promise<void> {
    await this.pool.query(
      `UPDATE sagas SET next_attempt_at = $3, waiting = $4, attempts = attempts + $5, parked_by = $6, updated_at = now(),
              lease_owner = NULL, lease_until = NULL
        WHERE id = $1 AND lease_owner = $2`,
      [sagaId, owner, nextAttemptAt, waiting.slice(0, 500), countAttempt ? 1 : 0, parkedBy ?? null],
    );
  }

  async findByOrder(orderId: string): Promise<Saga | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT * FROM sagas WHERE order_id = $1`, [orderId]);
    return rows[0] ? toSaga(rows[0]) : undefined;
  }

  async history(sagaId: string): Promise<SagaTransitionRecord[]> {
    const { rows } = await this.pool.query<{
      from_state: SagaState | null;
      to_state: SagaState;
      detail: string | null;
      at: Date;
    }>(`SELECT from_state, to_state, detail, at FROM saga_transitions WHERE saga_id = $1 ORDER BY seq`, [sagaId]);
    return rows.map((r) => ({ from: r.from_state, to: r.to_state, detail: r.detail, at: r.at.toISOString() }));
  }

  async list(state: SagaState | undefined, limit: number): Promise<Saga[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM sagas ${state ? 'WHERE state = $2' : ''} ORDER BY updated_at DESC LIMIT $1`,
      state ? [limit, state] : [limit],
    );
    return rows.map(toSaga);
  }

  async countByState(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ state: string; n: string }>(
      `SELECT state, count(*)::text AS n FROM sagas GROUP BY state`,
    );
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  }

  withTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, work);
  }
}
