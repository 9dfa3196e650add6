import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { createEnvelope } from '@refarch/contracts';
import type { NewOrder, Order, OrderStore } from '../src/orders/order.js';

export interface StoreUnderTest {
  store: OrderStore;
  /** Types of the events waiting in the outbox for an order. */
  events: (orderId: string) => Promise<string[]>;
}

const items = [{ sku: 'MUG-CLASSIC', quantity: 2, priceCents: 1299 }];
const newOrder = (userId = 'u1', key?: string): NewOrder => ({
  orderId: randomUUID(),
  userId,
  items,
  totalCents: 2598,
  ...(key ? { idempotency: { key, requestHash: 'h1' } } : {}),
});
const created = (o: NewOrder) =>
  createEnvelope(
    'orders.order-created.v1',
    { orderId: o.orderId, userId: o.userId, items: o.items, totalCents: o.totalCents },
    { correlationId: 'c' },
  );
const approved = (o: Order) =>
  createEnvelope(
    'orders.order-approved.v1',
    { orderId: o.orderId, userId: o.userId, totalCents: o.totalCents },
    { correlationId: 'c' },
  );

/** The contract both order-store adapters keep (PostgreSQL always; MongoDB where one is reachable). */
export function orderStoreContract(setup: () => StoreUnderTest) {
  it('stores a PENDING order and its created event together, and reads it back', async () => {
    const { store, events } = setup();
    const o = newOrder();
    const result = await store.create(o, created(o));
    expect(result.created).toBe(true);
    expect(await store.find(o.orderId)).toMatchObject({
      orderId: o.orderId,
      userId: 'u1',
      status: 'PENDING',
      items,
      totalCents: 2598,
    });
    expect(await events(o.orderId)).toEqual(['orders.order-created.v1']);
  });

  it('makes one order per (user, idempotency key), even for concurrent creates', async () => {
    const { store, events } = setup();
    const key = `key-${randomUUID()}`;
    const attempts = Array.from({ length: 10 }, () => newOrder('u-key', key));
    const results = await Promise.all(attempts.map((o) => store.create(o, created(o))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.order.orderId)).size).toBe(1);
    expect(results.find((r) => !r.created)?.requestHash).toBe('h1');
    const winner = results[0]!.order.orderId;
    expect(await events(winner)).toEqual(['orders.order-created.v1']);
    expect((await store.findByKey('u-key', key))?.order.orderId).toBe(winner);
    // the same key is free for another user
    const other = newOrder('u-other', key);
    expect((await store.create(other, created(other))).created).toBe(true);
  });

  it('moves PENDING to APPROVED once with its event; repeating is a no-op; the other transition is illegal', async () => {
    const { store, events } = setup();
    const o = newOrder();
    await store.create(o, created(o));
    const first = await store.transition(o.orderId, 'APPROVED', undefined, approved);
    expect(first).toMatchObject({ outcome: 'changed', order: { status: 'APPROVED' } });
    expect((await store.transition(o.orderId, 'APPROVED', undefined, approved)).outcome).toBe('unchanged');
    expect((await store.transition(o.orderId, 'REJECTED', 'late', approved)).outcome).toBe('illegal');
    expect((await store.transition(randomUUID(), 'APPROVED', undefined, approved)).outcome).toBe('not_found');
    expect(await events(o.orderId)).toEqual(['orders.order-created.v1', 'orders.order-approved.v1']);
  });

  it('lets exactly one of racing transitions win', async () => {
    const { store, events } = setup();
    const o = newOrder();
    await store.create(o, created(o));
    const reject = (ord: Order) =>
      createEnvelope(
        'orders.order-rejected.v1',
        { orderId: ord.orderId, userId: ord.userId, reason: 'r' },
        { correlationId: 'c' },
      );
    const results = await Promise.all([
      ...Array.from({ length: 5 }, () => store.transition(o.orderId, 'APPROVED', undefined, approved)),
      ...Array.from({ length: 5 }, () => store.transition(o.orderId, 'REJECTED', 'r', reject)),
    ]);
    expect(results.filter((r) => r.outcome === 'changed')).toHaveLength(1);
    expect(await events(o.orderId)).toHaveLength(2);
  });

  it('lists a user’s orders only, newest first', async () => {
    const { store } = setup();
    const user = `u-${randomUUID()}`;
    const a = newOrder(user);
    const b = newOrder(user);
    await store.create(a, created(a));
    await store.create(b, created(b));
    const other = newOrder();
    await store.create(other, created(other));
    const listed = await store.listByUser(user, 10);
    expect(listed.map((o) => o.orderId)).toEqual([b.orderId, a.orderId]);
  });

  it('gives every order’s status and total in its ledger, oldest first', async () => {
    const { store } = setup();
    const a = newOrder();
    const b = newOrder();
    await store.create(a, created(a));
    await store.create(b, created(b));
    await store.transition(a.orderId, 'APPROVED', undefined, approved);
    const ledger = await store.ledger();
    const mine = ledger.filter((o) => o.orderId === a.orderId || o.orderId === b.orderId);
    expect(mine).toEqual([
      { orderId: a.orderId, status: 'APPROVED', totalCents: a.totalCents },
      { orderId: b.orderId, status: 'PENDING', totalCents: b.totalCents },
    ]);
  });
}
