import { Injectable } from '@nestjs/common';
import {
  rejectionKind,
  REJECTION_KINDS,
  type Envelope,
  type MessageData,
  type RejectionKind,
} from '@refarch/contracts';
import type { MessageContext } from '@refarch/messaging';
import { AnalyticsRepository, type FunnelStep, type Metric } from './analytics.repository.js';

export interface MinuteSummary {
  minute: string;
  placed: number;
  approved: number;
  rejected: number;
  revenueCents: number;
  viewed: number;
  carted: number;
  checkout: number;
}

export interface AnalyticsSummary {
  from: string;
  to: string;
  /** Every minute of the window that has a count, oldest first. */
  minutes: MinuteSummary[];
  totals: { placed: number; approved: number; rejected: number; revenueCents: number };
  rejectedBy: Record<RejectionKind, number>;
  sagaDurationMs: { count: number; p50: number | null; p95: number | null; p99: number | null };
  /** Sessions that viewed, carted and started checkout in the window, and the orders placed in it. */
  funnel: { viewed: number; carted: number; checkout: number; ordered: number };
}

const FIELD: Record<Metric, keyof Omit<MinuteSummary, 'minute'>> = {
  placed: 'placed',
  approved: 'approved',
  rejected: 'rejected',
  revenue_cents: 'revenueCents',
  viewed: 'viewed',
  carted: 'carted',
  checkout: 'checkout',
};

/**
 * The stream processor: each event adds to the aggregates of the minute it happened in, inside the message's inbox
 * transaction (so a redelivered event never counts twice), whatever order the events arrive in.
 */
@Injectable()
export class AnalyticsService {
  constructor(private readonly repository: AnalyticsRepository) {}

  async shopEvent(context: MessageContext, step: FunnelStep): Promise<void> {
    const { data, occurredAt } = context.envelope as Envelope<{ sessionId: string }>;
    await this.repository.add(context.transaction, occurredAt, step);
    await this.repository.sessionStep(context.transaction, data.sessionId, step, occurredAt);
  }

  async orderCreated(context: MessageContext, data: MessageData<'orders.order-created.v1'>): Promise<void> {
    const at = context.envelope.occurredAt;
    await this.repository.add(context.transaction, at, 'placed');
    await this.repository.orderCreated(context.transaction, {
      orderId: data.orderId,
      userId: data.userId,
      at,
      totalCents: data.totalCents,
      itemCount: data.items.reduce((n, i) => n + i.quantity, 0),
    });
  }

  async orderApproved(context: MessageContext, data: MessageData<'orders.order-approved.v1'>): Promise<void> {
    const at = context.envelope.occurredAt;
    await this.repository.add(context.transaction, at, 'approved');
    await this.repository.add(context.transaction, at, 'revenue_cents', data.totalCents);
    await this.repository.orderFinished(context.transaction, {
      orderId: data.orderId,
      userId: data.userId,
      at,
      status: 'APPROVED',
    });
  }

  async orderRejected(context: MessageContext, data: MessageData<'orders.order-rejected.v1'>): Promise<void> {
    const at = context.envelope.occurredAt;
    const kind = rejectionKind(data.reason);
    await this.repository.add(context.transaction, at, 'rejected', 1, kind);
    await this.repository.orderFinished(context.transaction, {
      orderId: data.orderId,
      userId: data.userId,
      at,
      status: 'REJECTED',
      rejectionKind: kind,
    });
  }

  async summary(from: Date, to: Date): Promise<AnalyticsSummary> {
    const [rows, durations, funnel] = await Promise.all([
      this.repository.minutes(from, to),
      this.repository.sagaDurations(from, to),
      this.repository.funnel(from, to),
    ]);
    const byMinute = new Map<string, MinuteSummary>();
    const rejectedBy = Object.fromEntries(REJECTION_KINDS.map((k) => [k, 0])) as Record<RejectionKind, number>;
    for (const row of rows) {
      let minute = byMinute.get(row.minute);
      if (!minute) {
        minute = {
          minute: row.minute,
          placed: 0,
          approved: 0,
          rejected: 0,
          revenueCents: 0,
          viewed: 0,
          carted: 0,
          checkout: 0,
        };
        byMinute.set(row.minute, minute);
      }
      minute[FIELD[row.metric]] += row.value;
      if (row.metric === 'rejected')
        rejectedBy[(row.label as RejectionKind) in rejectedBy ? (row.label as RejectionKind) : 'other'] += row.value;
    }
    const minutes = [...byMinute.values()];
    const sum = (field: keyof Omit<MinuteSummary, 'minute'>) => minutes.reduce((n, m) => n + m[field], 0);
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      minutes,
      totals: {
        placed: sum('placed'),
        approved: sum('approved'),
        rejected: sum('rejected'),
        revenueCents: sum('revenueCents'),
      },
      rejectedBy,
      sagaDurationMs: { count: durations.count, p50: durations.p50Ms, p95: durations.p95Ms, p99: durations.p99Ms },
      funnel: { ...funnel, ordered: sum('placed') },
    };
  }
}
