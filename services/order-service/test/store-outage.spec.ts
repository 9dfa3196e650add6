// order-service never blocks start-up on its store (either adapter): with the store unreachable it starts, is live,
// is not ready (naming the store), answers store-backed routes with 503 + Retry-After, and is ready once the store
// is back, without a restart. No MongoDB server is needed for the outage cases.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createService, type Service } from '@refarch/bootstrap';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  eventually,
  freePort,
  httpJson,
  requireInfra,
  startTcpProxy,
  startTestService,
  type TcpProxy,
  type TestDatabase,
  startTestIssuer,
  type TestIssuer,
  type TestService,
} from '@refarch/testing';
import { AppModule } from '../src/app.module.js';
import { loadOrderServiceConfig } from '../src/config.js';

const infra = await requireInfra('order-service store outages', 'postgres', 'rabbitmq');
const mongo = await requireInfra('order-service recovery on MongoDB', 'mongodb');

/** The shopper's access token (from a test issuer whose JWKS the service under test reads). */
let user: Record<string, string> = {};
let issuer: TestIssuer;
const order = { items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] };

(infra ? describe : describe.skip)('order-service with its store down', () => {
  const namespace = `outage-${randomBytes(3).toString('hex')}`;
  let inventory: http.Server;
  let inventoryUrl: string;
  const started: TestService<Service>[] = [];

  const start = async (ordersDbUrl: string) => {
    const svc = await startTestService((o) => {
      const config = loadOrderServiceConfig({
        ORDERS_DB_URL: ordersDbUrl,
        RABBITMQ_URL: infra!.rabbitmq,
        INVENTORY_URL: inventoryUrl,
        JWKS_URL: issuer.jwksUrl,
        MESSAGING_NAMESPACE: namespace,
        ORDERS_DB_TIMEOUT_MS: '1500',
        LOG_LEVEL: 'error',
      });
      return createService(AppModule.forRoot(config), {
        name: 'order-service',
        config: { ...config, ...o.config },
        logDestination: o.logDestination,
      });
    });
    started.push(svc);
    return svc;
  };

  /** What a caller sees while the store is out. */
  const expectStoreOutage = async (url: string, store: 'mongodb' | 'postgres') => {
    expect((await httpJson(url, 'GET', '/health/live')).status).toBe(200);
    const ready = await httpJson(url, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error[store]).toMatchObject({ status: 'down' });
    for (const [method, path, body] of [
      ['POST', '/orders', order],
      ['GET', `/orders/${randomUUID()}`, undefined],
      ['GET', '/orders', undefined],
    ] as const) {
      const res = await httpJson(url, method, path, body, { ...user, 'idempotency-key': randomUUID() });
      expect({ method, path, status: res.status, code: res.body.code }).toEqual({
        method,
        path,
        status: 503,
        code: 'SERVICE.DEPENDENCY_UNAVAILABLE',
      });
      expect(res.type).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).toBe('5');
    }
  };

  /** The store comes back: ready with no restart, and an order is placed and read back. */
  const expectRecovery = async (url: string, proxy: TcpProxy) => {
    proxy.restore();
    await eventually(async () => (await httpJson(url, 'GET', '/health/ready')).status === 200, 30_000, 'readiness');
    const placed = await httpJson(url, 'POST', '/orders', order, { ...user, 'idempotency-key': randomUUID() });
    expect(placed.status).toBe(202);
    expect((await httpJson(url, 'GET', `/orders/${placed.body.orderId}`, undefined, user)).body.status).toBe('PENDING');
  };

  beforeAll(async () => {
    issuer = await startTestIssuer();
    user = await issuer.auth('outage-user', { expiresInSeconds: 3_600 });
    inventory = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ sku: 'MUG-CLASSIC', name: 'Mug', priceCents: 1299, stock: 10 }]));
    });
    await new Promise<void>((r) => inventory.listen(0, '127.0.0.1', r));
    inventoryUrl = `http://127.0.0.1:${(inventory.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const svc of started) await svc.close();
    await new Promise((r) => inventory.close(r));
    await issuer.close();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace);
  });

  it('MongoDB at an address where nothing listens: starts, not ready, 503 with Retry-After', async () => {
    const svc = await start(`mongodb://127.0.0.1:${await freePort()}/orders?directConnection=true`);
    await expectStoreOutage(svc.url, 'mongodb');
  });

  it('MongoDB behind a proxy that drops every connection: the same', async () => {
    const proxy = await startTcpProxy('127.0.0.1', await freePort());
    proxy.cut();
    try {
      const svc = await start(`mongodb://127.0.0.1:${proxy.port}/orders?directConnection=true`);
      await expectStoreOutage(svc.url, 'mongodb');
    } finally {
      await proxy.close();
    }
  });

  describe('PostgreSQL cut through a proxy at start-up', () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    beforeAll(async () => {
      db = await createTestDatabase(infra!.postgres, 'orders_outage');
      const target = new URL(db.url);
      proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      proxy.cut();
    });
    afterAll(async () => {
      await proxy.close();
      await db.drop();
    });

    it('starts, is not ready and answers 503; once PostgreSQL is back it migrates and serves, with no restart', async () => {
      const url = new URL(db.url);
      url.host = `${proxy.host}:${proxy.port}`;
      const svc = await start(url.toString());
      await expectStoreOutage(svc.url, 'postgres');

      await expectRecovery(svc.url, proxy);
    });
  });

  (mongo ? describe : describe.skip)('MongoDB cut through a proxy at start-up', () => {
    it('is ready and serves once MongoDB is reachable, with no restart', async () => {
      const target = new URL(mongo!.mongodb);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 27017));
      proxy.cut();
      try {
        const db = `refarch_test_outage_${randomBytes(4).toString('hex')}`;
        const svc = await start(`mongodb://127.0.0.1:${proxy.port}/${db}?directConnection=true`);
        await expectStoreOutage(svc.url, 'mongodb');
        await expectRecovery(svc.url, proxy);
      } finally {
        await proxy.close();
      }
    });
  });
});
