// POST /api/events (ingestion of the shop's events) and GET /api/analytics/summary, on the real gateway with real
// Redis and RabbitMQ (through a proxy of the test's own, to cut it), the services behind it stubbed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Envelope } from '@refarch/contracts';
import { eventually, requireInfra, startTcpProxy, type TcpProxy } from '@refarch/testing';
import amqp from 'amqplib';
import {
  bearer,
  call,
  cleanNamespace,
  startGateway,
  startStubs,
  stopStubs,
  TokenIssuer,
  type GatewayUnderTest,
  type Stubs,
} from './harness.js';

const infra = await requireInfra('api-gateway ingestion', 'redis', 'rabbitmq');

(infra ? describe : describe.skip)('api-gateway: shop events in, analytics out', () => {
  let stubs: Stubs;
  let gateway: GatewayUnderTest;
  let proxy: TcpProxy;
  let user: string;
  let admin: string;
  let tap: amqp.ChannelModel;
  const seen: { envelope: Envelope<Record<string, unknown>> }[] = [];

  beforeAll(async () => {
    const issuer = await TokenIssuer.create();
    stubs = await startStubs(issuer);
    const broker = new URL(infra!.rabbitmq);
    proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
    broker.host = `${proxy.host}:${proxy.port}`;
    gateway = await startGateway({ redis: infra!.redis, rabbitmq: broker.toString() }, stubs, {
      RATE_LIMIT_ANONYMOUS_POINTS: '100000',
    });
    user = await issuer.sign('shopper-1');
    admin = await issuer.sign('root', 'admin');
    tap = await amqp.connect(infra!.rabbitmq);
    const channel = await tap.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, `${gateway.namespace}.refarch.events`, 'shop.#');
    await channel.consume(queue, (m) => m && seen.push({ envelope: JSON.parse(m.content.toString()) }), {
      noAck: true,
    });
  });
  afterAll(async () => {
    await tap.close();
    await gateway.close();
    await proxy.close();
    await stopStubs(stubs);
    await cleanNamespace(infra!, gateway.namespace);
  });

  const viewed = (sku = 'MUG-CLASSIC') => ({
    id: randomUUID(),
    type: 'shop.product-viewed.v1',
    data: { sessionId: 'sess-1', sku },
  });

  it('publishes an accepted batch, each event under the id the client gave, userId from the token only', async () => {
    const anonymous = viewed();
    const signedIn = {
      id: randomUUID(),
      type: 'shop.cart-item-added.v1',
      data: { sessionId: 'sess-1', sku: 'CAP-NAVY', quantity: 2 },
    };
    expect((await call(gateway.url, 'POST', '/api/events', { events: [anonymous] })).body).toEqual({ accepted: 1 });
    const res = await call(gateway.url, 'POST', '/api/events', { events: [signedIn] }, bearer(user));
    expect([res.status, res.body]).toEqual([202, { accepted: 1 }]);
    await eventually(() => seen.length >= 2, 5_000, 'the published events');
    const byId = new Map(seen.map((s) => [s.envelope.id, s.envelope]));
    expect(byId.get(anonymous.id)).toMatchObject({
      type: 'shop.product-viewed.v1',
      data: { sessionId: 'sess-1', sku: 'MUG-CLASSIC' },
    });
    expect(byId.get(anonymous.id)!.data).not.toHaveProperty('userId');
    expect(byId.get(signedIn.id)!.data).toEqual({
      sessionId: 'sess-1',
      sku: 'CAP-NAVY',
      quantity: 2,
      userId: 'shopper-1',
    });
  });

  it.each([
    ['an unknown type', { events: [{ ...viewed(), type: 'orders.order-approved.v1' }] }, 'events.0.type'],
    [
      'a bad item among good ones',
      { events: [viewed(), { ...viewed(), data: { sessionId: 's' } }] },
      'events.1.data.sku',
    ],
    [
      'a userId from the client',
      { events: [{ ...viewed(), data: { sessionId: 's', sku: 'A', userId: 'me' } }] },
      'events.0.data.userId',
    ],
    ['an event from long ago', { events: [{ ...viewed(), at: '2020-01-01T00:00:00Z' }] }, 'events.0.at'],
    ['no id', { events: [{ type: 'shop.product-viewed.v1', data: { sessionId: 's', sku: 'A' } }] }, 'events.0.id'],
    ['too many', { events: Array.from({ length: 51 }, () => viewed()) }, 'events'],
    ['no events', { events: [] }, 'events'],
  ])('answers %s with 400 naming the bad item, and publishes none of the batch', async (_what, body, field) => {
    const before = seen.length;
    const res = await call(gateway.url, 'POST', '/api/events', body);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REQUEST.VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.length).toBe(before);
  });

  it('answers 503 with Retry-After while RabbitMQ is cut, and accepts again once it is back', async () => {
    proxy.cut();
    try {
      await eventually(
        async () => (await call(gateway.url, 'POST', '/api/events', { events: [viewed()] })).status === 503,
        15_000,
        'a 503',
      );
      const res = await call(gateway.url, 'POST', '/api/events', { events: [viewed()] });
      expect([res.status, res.body.code, res.headers.get('retry-after')]).toEqual([
        503,
        'SERVICE.DEPENDENCY_UNAVAILABLE',
        '5',
      ]);
    } finally {
      proxy.restore();
    }
    await eventually(
      async () => (await call(gateway.url, 'POST', '/api/events', { events: [viewed()] })).status === 202,
      20_000,
      'accepted again',
    );
  }, 45_000);

  it('serves the analytics summary to admins only, from the analytics worker', async () => {
    stubs['analytics-worker'].on((r) =>
      r.path === '/analytics/summary'
        ? { status: 200, body: { from: r.query.get('from'), totals: { placed: 3 } } }
        : undefined,
    );
    const from = '2026-06-01T10:00:00.000Z';
    const res = await call(gateway.url, 'GET', `/api/analytics/summary?from=${from}`, undefined, bearer(admin));
    expect([res.status, res.body]).toEqual([200, { from, totals: { placed: 3 } }]);
    expect((await call(gateway.url, 'GET', '/api/analytics/summary', undefined, bearer(user))).status).toBe(403);
    expect((await call(gateway.url, 'GET', '/api/analytics/summary')).status).toBe(401);
  });
});
