import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL, type Pool, type PoolClient } from '@refarch/postgres';

export type Metric = 'placed' | 'approved' | 'rejected' | 'revenue_cents' | 'viewed' | 'carted' | 'checkout';
export type FunnelStep = 'viewed' | 'carted' | 'checkout';

export interface MinuteRow {
  minute: string;
  metric: Metric;
  label: string;
  value: number;
}

export interface SagaDurations {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** All persistence of the analytics role; writes run in the message's inbox transaction. */
@Injectable()
export class AnalyticsRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Adds `value` to the metric of the minute `at` falls in. */
  async add(tx: PoolClient, at: string, metric: Metric, value = 1, label = ''): Promise<void> {
    await tx.query(
      `INSERT INTO minute_counts (minute, metric, label, value) VALUES (date_trunc('minute', $1::timestamptz), $2, $3, $4)
       ON CONFLICT (minute, metric, label) DO UPDATE SET value = minute_counts.value + EXCLUDED.value`,
      [at, metric, label, value],
    );
  }

  /** An order's start (orders.order-created.v1): its facts, whatever its end already recorded. */
  async orderCreated(
    tx: PoolClient,
    order: { orderId: string; userId: string; at: string; totalCents: number; itemCount: number },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO order_facts (order_id, user_id, created_at, total_cents, item_count) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id) DO UPDATE SET created_at = EXCLUDED.created_at, total_cents = EXCLUDED.total_cents,
         item_count = EXCLUDED.item_count`,
      [order.orderId, order.userId, order.at, order.totalCents, order.itemCount],
    );
  }

  /** An order's end (approved or rejected); it may arrive before the start. */
  async orderFinished(
    tx: PoolClient,
    order: { orderId: string; userId: string; at: string; status: 'APPROVED' | 'REJECTED'; rejectionKind?: string },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO order_facts (order_id, user_id, finished_at, status, rejection_kind) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id) DO UPDATE SET finished_at = EXCLUDED.finished_at, status = EXCLUDED.status,
         rejection_kind = EXCLUDED.rejection_kind`,
      [order.orderId, order.userId, order.at, order.status, order.rejectionKind ?? null],
    );
  }

  /** Marks that a session reached a funnel step (the earliest time wins, whatever the delivery order). */
  async sessionStep(tx: PoolClient, sessionId: string, step: FunnelStep, at: string): Promise<void> {
    await tx.query(
      `INSERT INTO session_steps (session_id, step, first_at) VALUES ($1, $2, $3)
       ON CONFLICT (session_id, step) DO UPDATE SET first_at = LEAST(session_steps.first_at, EXCLUDED.first_at)`,
      [sessionId, step, at],
    );
  }

  async minutes(from: Date, to: Date): Promise<MinuteRow[]> {
    const { rows } = await this.pool.query<{ minute: Date; metric: Metric; label: string; value: string }>(
      `SELECT minute, metric, label, value FROM minute_counts WHERE minute >= $1 AND minute < $2 ORDER BY minute, metric, label`,
      [from, to],
    );
    return rows.map((r) => ({
      minute: r.minute.toISOString(),
      metric: r.metric,
      label: r.label,
      value: Number(r.value),
    }));
  }

  /** Percentiles of the sagas that ended in [from, to) and whose start is known. */
  async sagaDurations(from: Date, to: Date): Promise<SagaDurations> {
    const { rows } = await this.pool.query<{ count: string; p: (number | null)[] | null }>(
      `SELECT count(*) AS count,
              percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (
                ORDER BY extract(epoch FROM finished_at - created_at) * 1000) AS p
       FROM order_facts
       WHERE created_at IS NOT NULL AND finished_at >= $1 AND finished_at < $2`,
      [from, to],
    );
    const [p50, p95, p99] = rows[0]?.p ?? [null, null, null];
    const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v));
    return { count: Number(rows[0]?.count ?? 0), p50Ms: ms(p50), p95Ms: ms(p95), p99Ms: ms(p99) };
  }

  /** Sessions that reached each funnel step in [from, to). */
  async funnel(from: Date, to: Date): Promise<Record<FunnelStep, number>> {
    const { rows } = await this.pool.query<{ step: FunnelStep; n: string }>(
      `SELECT step, count(*) AS n FROM session_steps WHERE first_at >= $1 AND first_at < $2 GROUP BY step`,
      [from, to],
    );
    const counts = { viewed: 0, carted: 0, checkout: 0 };
    for (const r of rows) counts[r.step] = Number(r.n);
    return counts;
  }
}
