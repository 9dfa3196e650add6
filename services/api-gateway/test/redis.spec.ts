import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope } from '@refarch/contracts';
import { requireInfra, startTcpProxy, type TcpProxy } from '@refarch/testing';
import {
  ADMIN_TOKEN,
  bearer,
  call,
  cleanNamespace,
  eventPublisher,
  metric,
  startGateway,
  startStubs,
  stopStubs,
  TokenIssuer,
  type GatewayUnderTest,
  type Stubs,
} from './harness.js';

const infra = await requireInfra('api-gateway rate limits and cache', 'redis', 'rabbitmq');

const PRODUCTS = [{ sku: 'MUG-CLASSIC', name: 'Mug', priceCents: 1299, stock: 5 }];

(infra ? describe : describe.skip)('api-gateway with the real Redis', () => {
  let issuer: TokenIssuer;
  let stubs: Stubs;
  let proxy: TcpProxy;
  let a: GatewayUnderTest;
  let b: GatewayUnderTest;
  let stock = 5;

  beforeAll(async () => {
    issuer = await TokenIssuer.create();
    stubs = await startStubs(issuer);
    stubs['inventory-service'].on(async (r) => {
      if (r.path !== '/products') return undefined;
      await new Promise((resolve) => setTimeout(resolve, 50)); // a source slow enough for a stampede to pile up
      return { status: 200, body: PRODUCTS.map((p) => ({ ...p, stock })) };
    });
    let name = 'Ann';
    stubs['user-service']
      .on((r) => (r.path.startsWith('/internal/users/') ? { status: 200, body: { id: 'u1', name } } : undefined))
      .on((r) => {
        if (r.method !== 'PATCH' || r.path !== '/users/me') return undefined;
        name = (r.body as { name: string }).name;
        return { status: 200, body: { id: 'u1', name } };
      })
      .on((r) =>
        r.path === '/auth/login'
          ? (r.body as { password: string }).password === 'right-password'
            ? { status: 200, body: { accessToken: 'x', tokenType: 'Bearer', expiresIn: 900 } }
            : {
                status: 401,
                body: {
                  title: 'Unauthorized',
                  status: 401,
                  detail: 'Wrong email or password',
                  code: 'AUTH.INVALID_CREDENTIALS',
                },
              }
          : undefined,
      );
    const { hostname, port } = new URL(infra!.redis);
    proxy = await startTcpProxy(hostname, Number(port));
    const env = {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      RATE_LIMIT_POINTS: '20',
      RATE_LIMIT_ANONYMOUS_POINTS: '1000',
      LOGIN_ATTEMPTS_PER_ACCOUNT_IP: '3',
      PRODUCTS_CACHE_TTL_SECONDS: '60',
    };
    a = await startGateway(infra!, stubs, env);
    // A second replica: same Redis prefix and messaging namespace, its own process state.
    b = await startGateway(infra!, stubs, { ...env, MESSAGING_NAMESPACE: a.namespace });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await proxy.close();
    await stopStubs(stubs);
    await cleanNamespace(infra!, a.namespace);
  });

  it('limits a user across replicas: request 21 of 20 in the window is 429 with Retry-After, on either replica', async () => {
    const token = bearer(await issuer.sign('limited-user'));
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await call(i % 2 ? a.url : b.url, 'GET', '/api/products', undefined, token)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const gateway of [a, b]) {
      const res = await call(gateway.url, 'GET', '/api/products', undefined, token);
      expect(res.status).toBe(429);
      expect(res.body.code).toBe('RATE_LIMIT.EXCEEDED');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    }
    // Someone else is not affected.
    expect((await call(a.url, 'GET', '/api/products', undefined, bearer(await issuer.sign('other-user')))).status).toBe(
      200,
    );
  });

  it('limits login attempts per account and IP more strictly; the user-service is not asked once limited', async () => {
    const login = (password: string) =>
      call(a.url, 'POST', '/api/auth/login', { email: 'Victim@Example.com', password });
    for (let i = 0; i < 3; i++) expect((await login('wrong')).status).toBe(401);
    const before = stubs['user-service'].callsTo('POST', '/auth/login').length;
    const limited = await call(b.url, 'POST', '/api/auth/login', {
      email: 'victim@example.com',
      password: 'right-password',
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(stubs['user-service'].callsTo('POST', '/auth/login').length).toBe(before);
  });

  it('caches products: first read misses, second hits, a stock event invalidates', async () => {
    const token = bearer(await issuer.sign('cache-reader'));
    const misses = await metric(a, 'cache_requests_total', 'result="miss"');
    const hits = await metric(a, 'cache_requests_total', 'result="hit"');
    stock = 5;
    await call(a.url, 'GET', '/api/products', undefined, token); // may be a hit from the test above: clear first
    const publisher = eventPublisher(infra!, a.namespace);
    const reserved = () =>
      publisher.publish(
        createEnvelope(
          'inventory.stock-reserved.v1',
          { reservationId: 'r1', orderId: 'o1', items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] },
          { correlationId: 'c' },
        ),
      );
    try {
      await reserved();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const sourceCalls = () => stubs['inventory-service'].callsTo('GET', '/products').length;
      const calls0 = sourceCalls();
      stock = 4;
      const first = await call(a.url, 'GET', '/api/products', undefined, token);
      const second = await call(a.url, 'GET', '/api/products', undefined, token);
      expect(first.body[0].stock).toBe(4);
      expect(second.body).toEqual(first.body);
      expect(sourceCalls()).toBe(calls0 + 1);
      expect(await metric(a, 'cache_requests_total', 'result="miss"')).toBeGreaterThan(misses);
      expect(await metric(a, 'cache_requests_total', 'result="hit"')).toBeGreaterThan(hits);
      // A write elsewhere: the stock event reaches every replica and drops the cached list.
      stock = 3;
      await reserved();
      let after = second;
      for (let i = 0; i < 50 && after.body[0].stock !== 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await call(b.url, 'GET', '/api/products', undefined, token);
      }
      expect(after.body[0].stock).toBe(3);
    } finally {
      await publisher.close();
    }
  });

  it('loads a hot key once when it expires under load, across two replicas (stampede protection)', async () => {
    const token = bearer(await issuer.sign('stampede'));
    const publisher = eventPublisher(infra!, a.namespace);
    await publisher.publish(
      createEnvelope('inventory.stock-released.v1', { reservationId: 'r1', orderId: 'o1' }, { correlationId: 'c' }),
    );
    await publisher.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = stubs['inventory-service'].callsTo('GET', '/products').length;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => call(i % 2 ? a.url : b.url, 'GET', '/api/products', undefined, token)),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(20); // 20 per user per window: the rest are 429
    expect(stubs['inventory-service'].callsTo('GET', '/products').length - before).toBe(1);
  });

  it('lab restock: forwards to inventory-service with the admin token, then serves the restocked list; shoppers 403', async () => {
    const shopper = bearer(await issuer.sign('restocker'));
    const admin = bearer(await issuer.sign('root', 'admin'));
    stubs['inventory-service'].on((r) => {
      if (r.method !== 'POST' || r.path !== '/admin/products/restock') return undefined;
      if (r.headers.authorization !== `Bearer ${ADMIN_TOKEN}`) return { status: 401, body: { status: 401 } };
      const add = (r.body as { add: number }).add;
      stock += add;
      return { status: 200, body: { added: { 'MUG-CLASSIC': add }, products: PRODUCTS.map((p) => ({ ...p, stock })) } };
    });
    const cached = (await call(a.url, 'GET', '/api/products', undefined, shopper)).body[0].stock as number;
    expect((await call(a.url, 'POST', '/api/lab/restock', { add: 100 }, shopper)).status).toBe(403);
    const restocked = await call(a.url, 'POST', '/api/lab/restock', { add: 100 }, admin);
    expect(restocked.status).toBe(200);
    expect(restocked.body.added).toEqual({ 'MUG-CLASSIC': 100 });
    // The cached list was dropped: both replicas serve the new stock at once (they share Redis).
    expect((await call(b.url, 'GET', '/api/products', undefined, shopper)).body[0].stock).toBe(cached + 100);
  });

  it('invalidates the cached profile on a profile write', async () => {
    const token = bearer(await issuer.sign('u1'));
    expect((await call(a.url, 'GET', '/api/users/me', undefined, token)).body.name).toBe('Ann');
    expect((await call(a.url, 'PATCH', '/api/users/me', { name: 'Bea' }, token)).status).toBe(200);
    expect((await call(b.url, 'GET', '/api/users/me', undefined, token)).body.name).toBe('Bea');
  });

  it('serves correctly without Redis (from the sources), says so in readiness, and recovers', async () => {
    proxy.cut();
    try {
      const token = bearer(await issuer.sign('no-redis'));
      stock = 2;
      const errors = await metric(a, 'cache_requests_total', 'result="error"');
      const res = await call(a.url, 'GET', '/api/products', undefined, token);
      expect(res.status).toBe(200);
      expect(res.body[0].stock).toBe(2);
      expect(await metric(a, 'cache_requests_total', 'result="error"')).toBeGreaterThan(errors);
      const ready = await call(a.url, 'GET', '/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.details.redis).toMatchObject({ status: 'up', degraded: true });
      // Rate limits still apply (per replica, in memory).
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await call(a.url, 'GET', '/api/products', undefined, token)).status);
      expect(statuses.slice(0, 19).every((s) => s === 200)).toBe(true);
      expect(statuses).toContain(429);
    } finally {
      proxy.restore();
    }
    let ready = await call(a.url, 'GET', '/health/ready');
    for (let i = 0; i < 50 && ready.body.details?.redis?.degraded; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ready = await call(a.url, 'GET', '/health/ready');
    }
    expect(ready.body.details.redis).toEqual({ status: 'up' });
  });
});
