import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope, type Envelope } from '@refarch/contracts';
import { requireInfra } from '@refarch/testing';
import {
  ADMIN_TOKEN,
  bearer,
  call,
  cleanNamespace,
  eventPublisher,
  problem,
  startGateway,
  startStubs,
  stopStubs,
  TokenIssuer,
  type GatewayUnderTest,
  type Stubs,
  callerOf,
} from './harness.js';
import { UPSTREAMS } from '../src/config.js';

const infra = await requireInfra('api-gateway orders, composition, SSE, lab', 'redis', 'rabbitmq');

const ORDER_ID = '6f1c1f2e-8a39-4c55-9d59-5c1d7a1e0001';
const order = (status = 'PENDING') => ({
  orderId: ORDER_ID,
  userId: 'owner',
  status,
  items: [{ sku: 'MUG-CLASSIC', quantity: 1, priceCents: 1299 }],
  totalCents: 1299,
  createdAt: '2026-11-29T00:00:00.000Z',
  updatedAt: '2026-11-29T00:00:00.000Z',
});

/** Reads an SSE stream until it ends or `until` says stop; returns the events (`{event, data}`) and comments. */
async function readStream(
  url: string,
  token: string,
  until: (events: { event: string; data: any }[]) => boolean,
  onOpen?: () => Promise<void>,
) {
  const res = await fetch(url, { headers: bearer(token) });
  const events: { event: string; data: any }[] = [];
  let comments = 0;
  if (res.status !== 200 || !res.body) return { status: res.status, events, comments, ended: true, res };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  await onOpen?.();
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (block.startsWith(':')) comments++;
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  if (!ended) await reader.cancel();
  return { status: res.status, events, comments, ended, res };
}

(infra ? describe : describe.skip)('api-gateway: orders, composition, SSE and the lab', () => {
  let issuer: TokenIssuer;
  let stubs: Stubs;
  let gateway: GatewayUnderTest;
  let replica: GatewayUnderTest;
  let publisher: ReturnType<typeof eventPublisher>;
  let owner: string;
  let stranger: string;
  let admin: string;
  let paymentHangs = false;

  beforeAll(async () => {
    issuer = await TokenIssuer.create();
    stubs = await startStubs(issuer);
    stubs['order-service']
      .on((r) => {
        if (r.method !== 'GET' || r.path !== `/orders/${ORDER_ID}`) return undefined;
        return callerOf(r.headers['authorization']) === 'owner'
          ? { status: 200, body: order() }
          : problem(404, 'ORDERS.NOT_FOUND', `Order ${ORDER_ID} not found`);
      })
      .on((r) =>
        r.method === 'GET' && r.path === '/orders'
          ? { status: 200, body: callerOf(r.headers['authorization']) === 'owner' ? [order()] : [] }
          : undefined,
      )
      .on((r) => {
        if (r.method !== 'POST' || r.path !== '/orders') return undefined;
        if (callerOf(r.headers['authorization']) === 'outage-victim') {
          // order-service with its store down (its real answer: test/store-outage.spec.ts there)
          return {
            ...problem(503, 'SERVICE.DEPENDENCY_UNAVAILABLE', 'A store or broker this service needs is unavailable'),
            headers: { 'retry-after': '30' },
          };
        }
        if (callerOf(r.headers['authorization']) !== 'owner') return { status: 500, body: {} };
        return { status: 202, body: { orderId: ORDER_ID, status: 'PENDING', key: r.headers['idempotency-key'] } };
      });
    stubs['user-service'].on((r) =>
      r.path === '/internal/users/owner' ? { status: 200, body: { id: 'owner', name: 'Owner' } } : undefined,
    );
    stubs['payment-service'].on((r) =>
      r.path === `/payments/${ORDER_ID}`
        ? paymentHangs
          ? 'hang'
          : { status: 200, body: { status: 'AUTHORIZED' } }
        : undefined,
    );
    stubs['saga-orchestrator'].on((r) =>
      r.path === `/admin/sagas/${ORDER_ID}` && r.headers.authorization === `Bearer ${ADMIN_TOKEN}`
        ? {
            status: 200,
            body: {
              state: 'STARTED',
              reason: null,
              waiting: null,
              history: [{ from: null, to: 'STARTED', detail: 'x', at: 't' }],
            },
          }
        : undefined,
    );
    stubs['payment-service'].on((r) =>
      r.method === 'PUT' && r.path === '/admin/faults' && r.headers.authorization === `Bearer ${ADMIN_TOKEN}`
        ? { status: 200, body: r.body }
        : undefined,
    );
    const env = { COMPOSITION_TIMEOUT_MS: '300', SSE_HEARTBEAT_MS: '100' };
    gateway = await startGateway(infra!, stubs, env);
    replica = await startGateway(infra!, stubs, { ...env, MESSAGING_NAMESPACE: gateway.namespace });
    publisher = eventPublisher(infra!, gateway.namespace);
    owner = await issuer.sign('owner');
    stranger = await issuer.sign('stranger');
    admin = await issuer.sign('root', 'admin');
  });
  afterAll(async () => {
    await gateway.close();
    await replica.close();
    await publisher.close();
    await stopStubs(stubs);
    await cleanNamespace(infra!, gateway.namespace);
  });

  it('forwards an order with the caller’s own token and the Idempotency-Key', async () => {
    const res = await call(
      gateway.url,
      'POST',
      '/api/orders',
      { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] },
      { ...bearer(owner), 'idempotency-key': 'checkout-0001' },
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ orderId: ORDER_ID, status: 'PENDING', key: 'checkout-0001' });
    const forwarded = stubs['order-service'].callsTo('POST', '/orders').at(-1)!;
    // The order-service verifies the shopper's token itself: the gateway sends it on unchanged, and no x-user-id.
    expect(forwarded.headers['authorization']).toBe(bearer(owner).authorization);
    expect(forwarded.headers['x-user-id']).toBeUndefined();
    expect(forwarded.body).toEqual({ items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] });
  });

  it("passes on order-service's 503 of a store outage as a 503 with its Retry-After (not a 502)", async () => {
    const victim = await issuer.sign('outage-victim');
    const res = await call(
      gateway.url,
      'POST',
      '/api/orders',
      { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] },
      { ...bearer(victim), 'idempotency-key': 'checkout-outage' },
    );
    expect({ status: res.status, code: res.body.code }).toEqual({
      status: 503,
      code: 'SERVICE.DEPENDENCY_UNAVAILABLE',
    });
    expect(res.headers.get('retry-after')).toBe('30');
  });

  it("answers 404 for someone else's order on every /api/orders/:id route, revealing nothing", async () => {
    for (const path of [`/api/orders/${ORDER_ID}`, `/api/orders/${ORDER_ID}/full`, `/api/orders/${ORDER_ID}/events`]) {
      const res = await call(gateway.url, 'GET', path, undefined, bearer(stranger));
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 404,
        code: 'ORDERS.NOT_FOUND',
      });
      expect(JSON.stringify(res.body)).not.toMatch(/owner|PENDING|1299|internal/);
    }
    const list = await call(gateway.url, 'GET', '/api/orders', undefined, bearer(stranger));
    expect(list.body).toEqual([]);
    const own = await call(gateway.url, 'GET', `/api/orders/${ORDER_ID}`, undefined, bearer(owner));
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ ...order(), userId: undefined });
  });

  it('composes order + user + payment + saga steps', async () => {
    const res = await call(gateway.url, 'GET', `/api/orders/${ORDER_ID}/full`, undefined, bearer(owner));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      order: { orderId: ORDER_ID, status: 'PENDING' },
      user: { id: 'owner', name: 'Owner' },
      payment: { status: 'AUTHORIZED' },
      saga: { state: 'STARTED', steps: [{ to: 'STARTED' }] },
      degraded: [],
    });
    // The parts the gateway reads for no user come with its service credential, each for its own service.
    expect(
      callerOf(stubs['user-service'].callsTo('GET', '/internal/users/owner').at(-1)!.headers['authorization']),
    ).toBe('service:api-gateway→user-service');
    expect(
      callerOf(stubs['payment-service'].callsTo('GET', `/payments/${ORDER_ID}`).at(-1)!.headers['authorization']),
    ).toBe('service:api-gateway→payment-service');
  });

  it('degrades when payment-service hangs: 200 with payment null and degraded ["payment"], within the deadline', async () => {
    paymentHangs = true;
    try {
      const started = Date.now();
      const res = await call(gateway.url, 'GET', `/api/orders/${ORDER_ID}/full`, undefined, bearer(owner));
      const elapsed = Date.now() - started;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        payment: null,
        degraded: ['payment'],
        user: { id: 'owner' },
        saga: { state: 'STARTED' },
      });
      // COMPOSITION_TIMEOUT_MS is 300: far below what the hang would take (forever); generous bound for a busy CI box.
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      paymentHangs = false;
    }
  });

  const publish = (envelope: Envelope) => publisher.publish(envelope);
  const c = { correlationId: 'sse-test' };

  it('streams the current status, then steps and status changes from the bus, with heartbeats; ends after a terminal status', async () => {
    const result = await readStream(
      `${replica.url}/api/orders/${ORDER_ID}/events`,
      owner,
      () => false,
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 250)); // long enough for heartbeats
        await publish(
          createEnvelope(
            'payments.payment-authorized.v1',
            { paymentId: 'p1', orderId: ORDER_ID, userId: 'owner', amountCents: 1299 },
            c,
          ),
        );
        await publish(
          createEnvelope(
            'payments.payment-authorized.v1',
            { paymentId: 'p9', orderId: 'other-order', userId: 'x', amountCents: 1 },
            c,
          ),
        );
        await publish(createEnvelope('inventory.stock-released.v1', { reservationId: 'r1', orderId: ORDER_ID }, c));
        await publish(
          createEnvelope('orders.order-rejected.v1', { orderId: ORDER_ID, userId: 'owner', reason: 'out of stock' }, c),
        );
      },
    );
    expect(result.ended).toBe(true);
    expect(result.comments).toBeGreaterThanOrEqual(1);
    expect(result.events.map((e) => [e.event, e.data.status ?? e.data.event])).toEqual([
      ['status', 'PENDING'],
      ['step', 'payments.payment-authorized.v1'],
      ['step', 'inventory.stock-released.v1'],
      ['status', 'REJECTED'],
    ]);
    expect(result.events[2]!.data).toMatchObject({ step: 'stock', compensation: true });
    expect(result.events[3]!.data.reason).toBe('out of stock');
  });

  it('delivers the same events through every replica', async () => {
    const streams = [gateway, replica].map((g) =>
      readStream(`${g.url}/api/orders/${ORDER_ID}/events`, owner, (events) =>
        events.some((e) => e.data.status === 'APPROVED'),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await publish(
      createEnvelope('orders.order-approved.v1', { orderId: ORDER_ID, userId: 'owner', totalCents: 1299 }, c),
    );
    for (const s of await Promise.all(streams)) expect(s.events.at(-1)!.data.status).toBe('APPROVED');
  });

  it('ends open streams at shutdown, so draining is not held up by them', async () => {
    const third = await startGateway(infra!, stubs, {
      MESSAGING_NAMESPACE: gateway.namespace,
      SSE_HEARTBEAT_MS: '60000',
    });
    const reading = readStream(`${third.url}/api/orders/${ORDER_ID}/events`, owner, () => false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await third.close();
    const result = await reading;
    expect(result.ended).toBe(true);
    expect(result.events[0]!.data.status).toBe('PENDING');
    // The shutdown timeout is 10 s; an open stream would have held the drain that long.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('lab: gathers every breaker (a silent service is degraded), sets faults; unknown service 404, bad body 400', async () => {
    stubs['shipping-worker'].on((r) => (r.path === '/admin/breakers' ? 'hang' : undefined));
    const breakers = await call(gateway.url, 'GET', '/api/lab/breakers', undefined, bearer(admin));
    expect(breakers.status).toBe(200);
    // Every service the gateway calls (its catalog entry), and the gateway itself.
    expect(Object.keys(breakers.body.services).sort()).toEqual(['api-gateway', ...UPSTREAMS.map((u) => u.name)].sort());
    expect(breakers.body.services['payment-service']).toEqual([{ name: 'payment-service->x', state: 'closed' }]);
    expect(breakers.body.services['shipping-worker']).toBeNull();
    expect(breakers.body.degraded).toEqual(['shipping-worker']);

    const set = await call(
      gateway.url,
      'PUT',
      '/api/lab/faults/payment-service',
      { mode: 'error', errorRate: 1 },
      bearer(admin),
    );
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ service: 'payment-service', faults: { mode: 'error', errorRate: 1, latencyMs: 1000 } });
    expect((await call(gateway.url, 'PUT', '/api/lab/faults/nope', { mode: 'off' }, bearer(admin))).status).toBe(404);
    const bad = await call(
      gateway.url,
      'PUT',
      '/api/lab/faults/payment-service',
      { mode: 'off', errorRate: 2 },
      bearer(admin),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'errorRate' })]);
    expect(
      (await call(gateway.url, 'PUT', '/api/lab/faults/payment-service', { mode: 'off' }, bearer(owner))).status,
    ).toBe(403);
  });
});
