/**
 * The lab's burst: N orders placed at once, then followed until each is APPROVED or REJECTED. Pure bookkeeping; the
 * page feeds it what the gateway answers and draws `series()`.
 */
export interface BurstOrder {
  orderId?: string;
  placedAt: number;
  endedAt?: number;
  status: 'PLACING' | 'PENDING' | 'APPROVED' | 'REJECTED' | 'FAILED';
}

export interface BurstPoint {
  t: number;
  approved: number;
  rejected: number;
  pending: number;
}

export class Burst {
  readonly orders: BurstOrder[] = [];
  readonly points: BurstPoint[] = [];

  constructor(readonly startedAt: number) {}

  place(now: number): BurstOrder {
    const order: BurstOrder = { placedAt: now, status: 'PLACING' };
    this.orders.push(order);
    return order;
  }

  /** Records the statuses the gateway reports (`GET /api/orders`) and takes a sample for the chart. */
  update(statuses: ReadonlyMap<string, string>, now: number): void {
    for (const order of this.orders) {
      if (!order.orderId || order.endedAt !== undefined) continue;
      const status = statuses.get(order.orderId);
      if (status === 'APPROVED' || status === 'REJECTED') {
        order.status = status;
        order.endedAt = now;
      }
    }
    this.sample(now);
  }

  sample(now: number): void {
    const count = (s: BurstOrder['status']) => this.orders.filter((o) => o.status === s).length;
    this.points.push({
      t: (now - this.startedAt) / 1000,
      approved: count('APPROVED'),
      rejected: count('REJECTED') + count('FAILED'),
      pending: count('PENDING') + count('PLACING'),
    });
  }

  get done(): boolean {
    return this.orders.length > 0 && this.orders.every((o) => o.endedAt !== undefined || o.status === 'FAILED');
  }

  /** Each ended order: when it ended (s since the burst) and how long it took (ms), for the latency dots. */
  finished(): { t: number; latencyMs: number; status: BurstOrder['status'] }[] {
    return this.orders
      .filter((o) => o.endedAt !== undefined && o.status !== 'FAILED')
      .map((o) => ({ t: (o.endedAt! - this.startedAt) / 1000, latencyMs: o.endedAt! - o.placedAt, status: o.status }));
  }

  /** Time from placing to the final status, of the orders that ended: median and 90th percentile, in ms. */
  latency(): { median: number; p90: number } | undefined {
    const ms = this.orders
      .filter((o) => o.endedAt !== undefined && o.status !== 'FAILED')
      .map((o) => o.endedAt! - o.placedAt)
      .sort((a, b) => a - b);
    if (!ms.length) return undefined;
    const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
    return { median: at(0.5), p90: at(0.9) };
  }
}
