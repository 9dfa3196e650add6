import { describe, expect, it } from '@jest/globals';
import type { AnalyticsSummary } from '../src/api.js';
import { everyMinute, rejectionReasons } from '../src/pages/AnalyticsPanel.js';

const summary: AnalyticsSummary = {
  from: '2026-06-01T10:00:30.000Z',
  to: '2026-06-01T10:04:00.000Z',
  minutes: [{ minute: '2026-06-01T10:02:00.000Z', placed: 3, approved: 2, rejected: 1, revenueCents: 100 }],
  totals: { placed: 3, approved: 2, rejected: 1, revenueCents: 100 },
  rejectedBy: { payment_declined: 1, out_of_stock: 0 },
  sagaDurationMs: { count: 3, p50: 300, p95: 400, p99: 410 },
  funnel: { viewed: 5, carted: 2, checkout: 1, ordered: 3 },
};

describe('the analytics charts', () => {
  it('plot every minute of the window, the quiet ones as zeros', () => {
    expect(everyMinute(summary).map((m) => [m.minute.slice(11, 16), m.placed])).toEqual([
      ['10:00', 0],
      ['10:01', 0],
      ['10:02', 3],
      ['10:03', 0],
    ]);
  });

  it('show the rejections by reason in words', () => {
    const data = rejectionReasons(summary);
    expect(data.labels).toEqual(['payment declined', 'out of stock']);
    expect(data.datasets[0]!.data).toEqual([1, 0]);
  });
});
