import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createService, type Service } from '@refarch/bootstrap';
import {
  httpJson,
  requireInfra,
  serviceAuth,
  startOnTestDatabase,
  startTestIssuer,
  testPool,
  type DatabaseServiceUnderTest,
  type TestIssuer,
  type TestServiceOverrides,
} from '@refarch/testing';
import pg from 'pg';
import { AppModule } from '../src/app.module.js';
import { loadOrderServiceConfig } from '../src/config.js';

const infra = await requireInfra('order-service', 'postgres', 'rabbitmq');

/** inventory-service's catalog as order-service sees it: a real HTTP server the test controls. */
const catalog = [
  { sku: 'MUG-CLASSIC', name: 'Mug', priceCents: 1299, stock: 10 },
  { sku: 'CAP-NAVY', name: 'Cap', priceCents: 1999, stock: 10 },
];

(infra ? describe : describe.skip)('order-service over HTTP (PostgreSQL adapter, real RabbitMQ)', () => {
  let svc: DatabaseServiceUnderTest<Service>;
  let inventory: http.Server;
  let inventoryUp = true;
  let db: pg.Pool;
  let issuer: TestIssuer;
  /** `x-test-user` / `x-test-saga` stand for that user's access token / the saga's service credential. */
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const { 'x-test-user': user, 'x-test-saga': saga, ...rest } = headers;
    const auth = user
      ? await issuer.auth(user)
      : saga
        ? await serviceAuth('order-service', { caller: 'saga-orchestrator' })
        : {};
    return httpJson(svc.url, method, path, body, { ...rest, ...auth });
  };
  const asUser = (user: string, key?: string) => ({ 'x-test-user': user, ...(key ? { 'idempotency-key': key } : {}) });
  const asSaga = { 'x-test-saga': '1' };
  const events = async (orderId: string) =>
    (
      await db.query<{ type: string }>(`SELECT type FROM outbox WHERE envelope->'data'->>'orderId' = $1 ORDER BY seq`, [
        orderId,
      ])
    ).rows.map((r) => r.type);

  beforeAll(async () => {
    issuer = await startTestIssuer();
    inventory = http.createServer((req, res) => {
      if (!inventoryUp) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(catalog));
    });
    await new Promise<void>((r) => inventory.listen(0, '127.0.0.1', r));
    const inventoryUrl = `http://127.0.0.1:${(inventory.address() as AddressInfo).port}`;
    const start = (databaseUrl: string, o: TestServiceOverrides, namespace: string) => {
      const config = loadOrderServiceConfig({
        ORDERS_DB_URL: databaseUrl,
        RABBITMQ_URL: infra!.rabbitmq,
        MESSAGING_NAMESPACE: namespace,
        INVENTORY_URL: inventoryUrl,
        JWKS_URL: issuer.jwksUrl,
        LOG_LEVEL: 'warn',
      });
      return createService(AppModule.forRoot(config), {
        name: 'order-service',
        config: { ...config, ...o.config },
        logDestination: o.logDestination,
      });
    };
    svc = await startOnTestDatabase(infra!.postgres, 'orders', start, { rabbitmqUrl: infra!.rabbitmq });
    db = testPool(svc.db.url);
  });
  afterAll(async () => {
    await db.end();
    await svc.stop();
    await new Promise((r) => inventory.close(r));
    await issuer.close();
  });

  it('creates a PENDING order priced from the catalog (never from the client) with its event', async () => {
    const res = await api(
      'POST',
      '/orders',
      {
        items: [
          { sku: 'MUG-CLASSIC', quantity: 2 },
          { sku: 'CAP-NAVY', quantity: 1 },
        ],
      },
      asUser('ann'),
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ orderId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'PENDING' });
    const order = (await api('GET', `/orders/${res.body.orderId}`, undefined, asUser('ann'))).body;
    expect(order).toMatchObject({
      status: 'PENDING',
      totalCents: 2 * 1299 + 1999,
      items: [
        { sku: 'MUG-CLASSIC', quantity: 2, priceCents: 1299 },
        { sku: 'CAP-NAVY', quantity: 1, priceCents: 1999 },
      ],
    });
    expect(await events(res.body.orderId)).toEqual(['orders.order-created.v1']);
    const sneaky = await api(
      'POST',
      '/orders',
      { items: [{ sku: 'MUG-CLASSIC', quantity: 1, priceCents: 1 }] },
      asUser('ann'),
    );
    expect(sneaky.status).toBe(400);
  });

  it('Idempotency-Key: same key and body → same response; other body → 422; concurrent → one order', async () => {
    const body = { items: [{ sku: 'CAP-NAVY', quantity: 3 }] };
    const first = await api('POST', '/orders', body, asUser('bob', 'checkout-0001'));
    const replay = await api('POST', '/orders', body, asUser('bob', 'checkout-0001'));
    expect(replay).toMatchObject({ status: 202, body: first.body });
    const other = await api(
      'POST',
      '/orders',
      { items: [{ sku: 'CAP-NAVY', quantity: 4 }] },
      asUser('bob', 'checkout-0001'),
    );
    expect(other.body).toMatchObject({ status: 422, code: 'ORDERS.IDEMPOTENCY_KEY_REUSED' });
    const racing = await Promise.all(
      Array.from({ length: 20 }, () => api('POST', '/orders', body, asUser('bob', 'checkout-0002'))),
    );
    expect(racing.every((r) => r.status === 202)).toBe(true);
    expect(new Set(racing.map((r) => r.body.orderId)).size).toBe(1);
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM orders WHERE idempotency_key = 'checkout-0002'`,
    );
    expect(Number(rows[0]!.n)).toBe(1);
  });

  it('state machine over HTTP: approve (idempotent), reject after approve is 409, reject with a reason', async () => {
    const a = (await api('POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, asUser('cat'))).body
      .orderId as string;
    expect((await api('POST', `/orders/${a}/approve`, undefined, asSaga)).body.status).toBe('APPROVED');
    expect((await api('POST', `/orders/${a}/approve`, undefined, asSaga)).status).toBe(200);
    expect((await api('POST', `/orders/${a}/reject`, { reason: 'too late' }, asSaga)).body).toMatchObject({
      status: 409,
      code: 'ORDERS.ILLEGAL_TRANSITION',
    });
    const b = (await api('POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, asUser('cat'))).body
      .orderId as string;
    expect((await api('POST', `/orders/${b}/reject`, { reason: 'payment declined' }, asSaga)).body).toMatchObject({
      status: 'REJECTED',
      reason: 'payment declined',
    });
    expect(await events(a)).toEqual(['orders.order-created.v1', 'orders.order-approved.v1']);
    expect(await events(b)).toEqual(['orders.order-created.v1', 'orders.order-rejected.v1']);
  });

  it('takes the caller from a verified token only: x-user-id alone, forged or expired tokens are 401', async () => {
    const mine = (await api('POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, asUser('gus'))).body
      .orderId as string;
    const forger = await startTestIssuer(); // signs like the user-service, with a key it never published
    try {
      for (const headers of [
        { 'x-user-id': 'gus' },
        await forger.auth('gus'),
        await issuer.auth('gus', { expiresInSeconds: -60 }),
        await issuer.auth('gus', { audience: 'another-app' }),
      ]) {
        for (const path of ['/orders', `/orders/${mine}`]) {
          const res = await httpJson(svc.url, 'GET', path, undefined, headers);
          expect({ path, status: res.status, type: res.type }).toEqual({
            path,
            status: 401,
            type: expect.stringMatching(/problem\+json/),
          });
        }
      }
    } finally {
      await forger.close();
    }
    // The saga's transitions: its credential, not a user's token, and never nothing.
    expect((await httpJson(svc.url, 'POST', `/orders/${mine}/approve`)).status).toBe(401);
    expect((await api('POST', `/orders/${mine}/approve`, undefined, asUser('gus'))).status).toBe(403);
    expect((await api('GET', `/orders/${mine}`, undefined, asSaga)).body).toMatchObject({ orderId: mine });
  });

  it('lists only the caller’s orders, and someone else’s order is a 404', async () => {
    const mine = (await api('POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, asUser('dan'))).body
      .orderId as string;
    const listed = (await api('GET', '/orders', undefined, asUser('dan'))).body as {
      orderId: string;
      userId: string;
    }[];
    expect(listed.map((o) => o.orderId)).toEqual([mine]);
    expect((await api('GET', `/orders/${mine}`, undefined, asUser('eve'))).body).toMatchObject({
      status: 404,
      code: 'ORDERS.NOT_FOUND',
    });
  });

  it('rejects unknown SKUs with 422 and stores nothing; an unavailable catalog is a 5xx problem, not a crash, and stores nothing', async () => {
    const unknown = await api('POST', '/orders', { items: [{ sku: 'NOPE-1', quantity: 1 }] }, asUser('fay'));
    expect(unknown.body).toMatchObject({ status: 422, code: 'ORDERS.UNKNOWN_SKU', unknownSkus: ['NOPE-1'] });
    inventoryUp = false;
    try {
      const down = await api('POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, asUser('fay'));
      expect(down.status).toBe(502);
      expect(down.type).toMatch(/problem\+json/);
    } finally {
      inventoryUp = true;
    }
    expect((await api('GET', '/orders', undefined, asUser('fay'))).body).toEqual([]);
  });

  it('counts created orders', async () => {
    expect(await (await fetch(`${svc.url}/metrics`)).text()).toMatch(
      /orders_created_total\{service="order-service"\} [1-9]/,
    );
  });

  describe('bad input never reaches a 5xx', () => {
    const user = asUser('zed');
    const cases: [string, string, unknown, Record<string, string>][] = [
      ['POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, {}],
      ['POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, { 'x-user-id': 'a b' }],
      ['POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] }, { ...user, 'idempotency-key': 'short' }],
      ['POST', '/orders', {}, user],
      ['POST', '/orders', '[]', user],
      ['POST', '/orders', '{"items":', user],
      ['POST', '/orders', { items: [] }, user],
      ['POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 0 }] }, user],
      ['POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 'two' }] }, user],
      ['POST', '/orders', { items: [{ sku: 'mug', quantity: 1 }] }, user],
      [
        'POST',
        '/orders',
        {
          items: [
            { sku: 'MUG-CLASSIC', quantity: 1 },
            { sku: 'MUG-CLASSIC', quantity: 2 },
          ],
        },
        user,
      ],
      ['POST', '/orders', { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }], userId: 'other' }, user],
      ['GET', '/orders', undefined, {}],
      ['GET', '/orders?limit=0', undefined, user],
      ['GET', '/orders?limit=abc', undefined, user],
      ['GET', '/orders/not-a-uuid', undefined, user],
      ['GET', '/orders/00000000-0000-4000-8000-000000000000', undefined, user],
      ['POST', '/orders/00000000-0000-4000-8000-000000000000/approve', undefined, asSaga],
      ['POST', '/orders/00000000-0000-4000-8000-000000000000/reject', { reason: '' }, asSaga],
      ['POST', '/orders/00000000-0000-4000-8000-000000000000/reject', { reason: 'a\u0000' }, asSaga],
      ['POST', '/orders/00000000-0000-4000-8000-000000000000/reject', {}, asSaga],
      ['GET', `/orders/${'a'.repeat(5000)}`, undefined, user],
    ];
    for (const [method, path, body, headers] of cases) {
      it(`${method} ${path.slice(0, 60)} ${JSON.stringify(body)?.slice(0, 60) ?? ''} ${JSON.stringify(headers)}`, async () => {
        const res = await api(method, path, body, headers);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.type).toMatch(/problem\+json/);
      });
    }
  });
});
