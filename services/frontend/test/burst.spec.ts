import { describe, expect, it } from '@jest/globals';
import { Burst } from '../src/burst.js';

describe('the lab burst', () => {
  it('counts approved, rejected and waiting orders over time and measures their latency', () => {
    const burst = new Burst(0);
    const a = burst.place(0);
    const b = burst.place(0);
    const c = burst.place(100);
    a.orderId = 'a';
    b.orderId = 'b';
    c.status = 'FAILED'; // the gateway refused it (e.g. 429)
    c.endedAt = 100;
    a.status = b.status = 'PENDING';
    burst.update(new Map([['a', 'PENDING']]), 1_000);
    burst.update(
      new Map([
        ['a', 'APPROVED'],
        ['b', 'PENDING'],
      ]),
      2_000,
    );
    expect(burst.done).toBe(false);
    burst.update(
      new Map([
        ['a', 'APPROVED'],
        ['b', 'REJECTED'],
      ]),
      4_000,
    );
    expect(burst.done).toBe(true);
    expect(burst.points).toEqual([
      { t: 1, approved: 0, rejected: 1, pending: 2 },
      { t: 2, approved: 1, rejected: 1, pending: 1 },
      { t: 4, approved: 1, rejected: 2, pending: 0 },
    ]);
    expect(burst.latency()).toEqual({ median: 4_000, p90: 4_000 });
    expect(burst.finished()).toEqual([
      { t: 2, latencyMs: 2_000, status: 'APPROVED' },
      { t: 4, latencyMs: 4_000, status: 'REJECTED' },
    ]);
  });
});
