// The analytics role on real PostgreSQL and RabbitMQ: per-minute counts by event time, each event once whatever is
// delivered twice, correct when an order's end arrives before its start, and the summary the gateway serves.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope, type MessageData, type MessageType } from '@refarch/contracts';
import { connectBroker, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import { deleteMessagingNamespace, eventually, requireInfra } from '@refarch/testing';
import { Registry } from 'prom-client';
import { call, startRole, type ServiceUnderTest } from './harness.js';

const infra = await requireInfra('analytics-worker', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('analytics worker (real PostgreSQL and RabbitMQ)', () => {
  const namespace = `anl-${randomBytes(3).toString('hex')}`;
  let svc: ServiceUnderTest;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;

  beforeAll(async () => {
    svc = await startRole('analytics', infra!.postgres, infra!.rabbitmq, {
      MESSAGING_NAMESPACE: namespace,
      LOG_LEVEL: 'error',
    });
    connection = connectBroker(infra!.rabbitmq, { name: 'analytics-test' });
    publisher = new MessagePublisher(connection, new Registry(), 10_000, namespace);
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await svc.stop();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, ['analytics-worker']);
  });

  // Two minutes of a fixed past hour, so the test owns its window.
  const t0 = new Date('2026-06-01T10:00:00.000Z').getTime();
  const at = (minute: number, second = 0) => new Date(t0 + minute * 60_000 + second * 1000);
  /** Publishes one event `times` times: the same envelope, as a redelivery would bring it. */
  const send = async <T extends MessageType>(type: T, data: MessageData<T>, when: Date, times = 1) => {
    const envelope = createEnvelope(type, data, { correlationId: randomUUID(), occurredAt: when });
    for (let i = 0; i < times; i++) await publisher.publish(envelope);
  };
  const summary = async (from = at(0), to = at(5)) =>
    (await call(svc.url, 'GET', `/analytics/summary?from=${from.toISOString()}&to=${to.toISOString()}`)).body;

  it('counts each event once in the minute it happened, whatever the delivery order', async () => {
    const userId = randomUUID();
    const items = [{ sku: 'MUG-CLASSIC', quantity: 1, priceCents: 1299 }];
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    // Order a: approved (its approval is sent before its creation), 4 s of saga; each delivered twice.
    await send('orders.order-approved.v1', { orderId: a, userId, totalCents: 1299 }, at(0, 14), 2);
    await send('orders.order-created.v1', { orderId: a, userId, items, totalCents: 1299 }, at(0, 10), 2);
    // Order b: rejected, payment declined, 2 s.
    await send('orders.order-created.v1', { orderId: b, userId, items, totalCents: 1299 }, at(0, 20));
    await send('orders.order-rejected.v1', { orderId: b, userId, reason: 'payment declined: limit' }, at(0, 22), 2);
    // Order c, next minute: rejected out of stock, 10 s.
    await send('orders.order-created.v1', { orderId: c, userId, items, totalCents: 2598 }, at(1, 5));
    await send('orders.order-rejected.v1', { orderId: c, userId, reason: 'out of stock: LAMP-DESK' }, at(1, 15));
    // The funnel: two sessions view, one adds to cart and checks out (its view twice).
    const [s1, s2] = [randomUUID(), randomUUID()];
    for (const sessionId of [s1, s2, s1])
      await send('shop.product-viewed.v1', { sessionId, sku: 'MUG-CLASSIC' }, at(0, 30));
    await send('shop.cart-item-added.v1', { sessionId: s1, sku: 'MUG-CLASSIC', quantity: 1 }, at(0, 40));
    await send('shop.checkout-started.v1', { sessionId: s1, itemCount: 1 }, at(0, 50));

    await eventually(
      async () => (await summary()).funnel.checkout === 1 && (await summary()).totals.rejected === 2,
      10_000,
      'the counts',
    );
    await new Promise((r) => setTimeout(r, 300)); // the duplicates had their chance
    const s = await summary();
    expect(s.minutes).toEqual([
      {
        minute: at(0).toISOString(),
        placed: 2,
        approved: 1,
        rejected: 1,
        revenueCents: 1299,
        viewed: 3,
        carted: 1,
        checkout: 1,
      },
      {
        minute: at(1).toISOString(),
        placed: 1,
        approved: 0,
        rejected: 1,
        revenueCents: 0,
        viewed: 0,
        carted: 0,
        checkout: 0,
      },
    ]);
    expect(s.totals).toEqual({ placed: 3, approved: 1, rejected: 2, revenueCents: 1299 });
    expect(s.rejectedBy).toMatchObject({ payment_declined: 1, out_of_stock: 1, other: 0 });
    expect(s.sagaDurationMs).toEqual({ count: 3, p50: 4000, p95: expect.any(Number), p99: expect.any(Number) });
    expect(s.sagaDurationMs.p99).toBeGreaterThan(9_000);
    expect(s.funnel).toEqual({ viewed: 2, carted: 1, checkout: 1, ordered: 3 });
    // A window of the second minute only.
    expect((await summary(at(1), at(2))).totals).toEqual({ placed: 1, approved: 0, rejected: 1, revenueCents: 0 });
  });

  it('answers a bad window with 400 problem+json', async () => {
    for (const query of [
      'from=yesterday',
      `from=${at(5).toISOString()}&to=${at(0).toISOString()}`,
      'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z',
      'extra=1',
    ]) {
      const res = await call(svc.url, 'GET', `/analytics/summary?${query}`);
      expect([query, res.status, res.body.code]).toEqual([query, 400, 'REQUEST.VALIDATION_FAILED']);
    }
  });
});
