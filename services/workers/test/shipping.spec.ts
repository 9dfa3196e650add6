import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEnvelope, SHIPPING_COMMANDS_QUEUE, type Envelope } from '@refarch/contracts';
import { connectBroker, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import { deleteMessagingNamespace, eventually, requireInfra, testPool } from '@refarch/testing';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { call as httpJson, startRole, type ServiceUnderTest } from './harness.js';

const infra = await requireInfra('workers (shipping role)', 'postgres', 'rabbitmq');
const ADMIN = 'workers-admin-token-0123456789';
const namespace = `test-${randomBytes(4).toString('hex')}`;
// The publisher applies its namespace: commands are sent by the queue's base name, as the saga sends them.
const queue = SHIPPING_COMMANDS_QUEUE;

(infra ? describe : describe.skip)('shipping worker (real PostgreSQL and RabbitMQ)', () => {
  let svc: ServiceUnderTest;
  let db: pg.Pool;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;

  beforeAll(async () => {
    svc = await startRole('shipping', infra!.postgres, infra!.rabbitmq, {
      MESSAGING_NAMESPACE: namespace,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'warn',
    });
    db = testPool(svc.db.url);
    connection = connectBroker(infra!.rabbitmq, { name: 'shipping-test' });
    publisher = new MessagePublisher(connection, new Registry(), 10_000, namespace);
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await db.end();
    await svc.stop();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, [SHIPPING_COMMANDS_QUEUE]);
  });

  const create = (orderId: string) =>
    createEnvelope(
      'shipping.create-shipment.v1',
      { orderId, userId: 'u1', items: [{ sku: 'MUG-CLASSIC', quantity: 1 }] },
      { correlationId: `c-${orderId}` },
    );
  const cancel = (orderId: string) =>
    createEnvelope(
      'shipping.cancel-shipment.v1',
      { orderId, reason: 'payment failed' },
      { correlationId: `c-${orderId}` },
    );
  const replies = async (orderId: string) =>
    (
      await db.query<{ type: string; envelope: Envelope }>(
        `SELECT type, envelope FROM outbox WHERE envelope->'data'->>'orderId' = $1 ORDER BY seq`,
        [orderId],
      )
    ).rows;
  const until = (check: () => Promise<boolean>, what: string) => eventually(check, 10_000, what);

  it('creates a shipment for a command and replies shipment-created, caused by the command', async () => {
    const command = create('ship-1');
    await publisher.send(queue, command);
    await until(async () => (await replies('ship-1')).length === 1, 'the reply');
    const [reply] = await replies('ship-1');
    expect(reply!.type).toBe('shipping.shipment-created.v1');
    expect(reply!.envelope).toMatchObject({ correlationId: 'c-ship-1', causationId: command.id });
    const shipment = await httpJson(svc.url, 'GET', '/shipments/ship-1');
    expect(shipment.body).toMatchObject({
      orderId: 'ship-1',
      status: 'CREATED',
      items: [{ sku: 'MUG-CLASSIC', quantity: 1 }],
    });
  });

  it('applies a duplicated command once, and answers a retried step (new command) without a second shipment', async () => {
    const command = create('ship-2');
    await publisher.send(queue, command);
    await publisher.send(queue, command);
    await until(async () => (await replies('ship-2')).length === 1, 'one reply');
    await new Promise((r) => setTimeout(r, 300));
    expect(await replies('ship-2')).toHaveLength(1);
    await publisher.send(queue, create('ship-2'));
    await until(async () => (await replies('ship-2')).length === 2, 'the second answer');
    const { rows } = await db.query(`SELECT 1 FROM shipments WHERE order_id = 'ship-2'`);
    expect(rows).toHaveLength(1);
  });

  it('cancels on compensation, and refuses a creation that arrives after its cancellation', async () => {
    await publisher.send(queue, create('ship-3'));
    await until(async () => (await replies('ship-3')).length === 1, 'created');
    await publisher.send(queue, cancel('ship-3'));
    await until(async () => (await replies('ship-3')).length === 2, 'cancelled');
    expect((await replies('ship-3')).map((r) => r.type)).toEqual([
      'shipping.shipment-created.v1',
      'shipping.shipment-cancelled.v1',
    ]);
    expect((await httpJson(svc.url, 'GET', '/shipments/ship-3')).body.status).toBe('CANCELLED');

    await publisher.send(queue, cancel('ship-4'));
    await until(async () => (await replies('ship-4')).length === 1, 'early cancel');
    await publisher.send(queue, create('ship-4'));
    await until(async () => (await replies('ship-4')).length === 2, 'refusal');
    expect((await replies('ship-4')).map((r) => r.type)).toEqual([
      'shipping.shipment-cancelled.v1',
      'shipping.shipment-failed.v1',
    ]);
  });

  it('fault injection breaks message handling on purpose: retried while on, processed once it is off', async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    expect((await httpJson(svc.url, 'PUT', '/admin/faults', { mode: 'error', errorRate: 1 }, auth)).status).toBe(200);
    await publisher.send(queue, create('ship-5'));
    await new Promise((r) => setTimeout(r, 1_500)); // first attempt and its 1 s retry both fail
    expect(await replies('ship-5')).toHaveLength(0);
    await httpJson(svc.url, 'PUT', '/admin/faults', { mode: 'off' }, auth);
    await until(async () => (await replies('ship-5')).length === 1, 'the shipment after faults off');
    expect((await httpJson(svc.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('answers bad lookups with 4xx problems', async () => {
    for (const path of ['/shipments/none', '/shipments/a%20b', `/shipments/${'x'.repeat(5000)}`]) {
      const res = await httpJson(svc.url, 'GET', path);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.type).toMatch(/problem\+json/);
    }
  });

  it('counts shipments by outcome', async () => {
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/shipments_total\{outcome="created",service="shipping-worker"\} [1-9]/);
    expect(metrics).toMatch(/shipments_total\{outcome="refused",service="shipping-worker"\} 1/);
  });
});
