import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { ShopEventTracker, type QueuedEvent, type SendOutcome } from '../src/shop-events.js';

describe('ShopEventTracker', () => {
  afterEach(() => {
    jest.useRealTimers();
  });
  let n = 0;
  const tracker = (outcomes: SendOutcome[], options: { batchSize?: number; maxQueued?: number } = {}) => {
    const batches: QueuedEvent[][] = [];
    const t = new ShopEventTracker({
      sessionId: 'sess-1',
      send: (events) => {
        batches.push(events);
        return Promise.resolve(outcomes.shift() ?? 'sent');
      },
      newId: () => `id-${++n}`,
      now: () => new Date('2026-06-01T10:00:00Z'),
      ...options,
    });
    return { t, batches };
  };

  it('sends every few seconds, in batches, with the session on each event', async () => {
    jest.useFakeTimers();
    const { t, batches } = tracker([]);
    t.start();
    t.viewed('MUG-CLASSIC');
    t.viewed('MUG-CLASSIC'); // once per page life
    t.track({ type: 'shop.cart-item-added.v1', data: { sku: 'MUG-CLASSIC', quantity: 1 } });
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((e) => [e.type, e.data])).toEqual([
      ['shop.product-viewed.v1', { sku: 'MUG-CLASSIC', sessionId: 'sess-1' }],
      ['shop.cart-item-added.v1', { sku: 'MUG-CLASSIC', quantity: 1, sessionId: 'sess-1' }],
    ]);
    expect(t.pending).toBe(0);
    t.stop();
  });

  it('keeps a batch the gateway could not take and sends it again with the same ids; drops a refused one', async () => {
    const { t, batches } = tracker(['retry', 'sent', 'drop']);
    t.viewed('A');
    await t.flush();
    await t.flush();
    expect(batches.map((b) => b.map((e) => e.id))).toEqual([
      batches[0]!.map((e) => e.id),
      batches[0]!.map((e) => e.id),
    ]);
    expect(t.pending).toBe(0);
    t.viewed('B');
    await t.flush();
    expect([t.pending, t.dropped]).toEqual([0, 1]);
  });

  it('sends at once when a batch is full, and never holds more than its bound', async () => {
    const { t, batches } = tracker(['retry', 'retry', 'retry', 'retry'], { batchSize: 2, maxQueued: 3 });
    for (const sku of ['A', 'B', 'C', 'D', 'E']) t.viewed(sku);
    await Promise.resolve();
    expect(batches.length).toBeGreaterThan(0);
    expect(t.pending).toBe(3);
    expect(t.dropped).toBe(2);
  });

  it('never throws when sending fails', async () => {
    const t = new ShopEventTracker({ sessionId: 's', send: () => Promise.reject(new Error('offline')) });
    t.viewed('A');
    await expect(t.flush()).resolves.toBeUndefined();
    expect(t.pending).toBe(1);
  });
});
