import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createService, type Service } from '@refarch/bootstrap';
import { createEnvelope, SHIPPING_COMMANDS_QUEUE, type Envelope } from '@refarch/contracts';
import { connectBroker, MessagePublisher, type AmqpConnectionManager } from '@refarch/messaging';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  httpJson,
  requireInfra,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@refarch/testing';
import amqp from 'amqplib';
import { Registry } from 'prom-client';
import { AppModule } from '../src/app.module.js';
import { loadSagaConfig } from '../src/config.js';

const infra = await requireInfra('saga-orchestrator', 'postgres', 'rabbitmq');
const ADMIN = 'saga-admin-token-0123456789abcdef';
const ns = `test-${randomBytes(4).toString('hex')}`;
const shippingQueue = `${ns}.${SHIPPING_COMMANDS_QUEUE}`;

type Behaviour = {
  decline?: boolean;
  paymentDownUntil?: number;
  outOfStock?: boolean;
  voidDown?: boolean;
  noShippingReply?: boolean;
};

(infra ? describe : describe.skip)('saga-orchestrator against stub participants (real PostgreSQL and RabbitMQ)', () => {
  let db: TestDatabase;
  let svc: TestService<Service>;
  let participants: http.Server;
  let base = '';
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;
  let raw: amqp.ChannelModel;
  const calls: string[] = [];
  const behaviour = new Map<string, Behaviour>();
  const shippingCommands: Envelope[] = [];
  /** `<orderId> <trace id>` of every participant call and shipping command. */
  const traces: string[] = [];

  const start = () =>
    startTestService((o) => {
      const config = loadSagaConfig({
        DATABASE_URL: db.url,
        RABBITMQ_URL: infra!.rabbitmq,
        PAYMENT_URL: base,
        INVENTORY_URL: base,
        ORDER_URL: base,
        MESSAGING_NAMESPACE: ns,
        STEP_DEADLINE_MS: '4000',
        MAX_COMPENSATION_ATTEMPTS: '3',
        LEASE_MS: '1000',
        POLL_MS: '50',
        ADMIN_TOKEN: ADMIN,
        LOG_LEVEL: 'fatal',
      });
      return createService(AppModule.forRoot(config), {
        name: 'saga-orchestrator',
        config: { ...config, ...o.config },
        logDestination: o.logDestination,
      });
    });

  beforeAll(async () => {
    participants = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const parsed = body ? (JSON.parse(body) as { orderId?: string }) : {};
        const orderId = parsed.orderId ?? decodeURIComponent(req.url!.split('/')[2] ?? '');
        const b = behaviour.get(orderId) ?? {};
        const op = `${req.url!.replace(orderId, ':id').replace(encodeURIComponent(orderId), ':id')}`;
        calls.push(`${orderId} ${op}`);
        traces.push(`${orderId} ${String(req.headers['traceparent']).split('-')[1]}`);
        const send = (status: number, payload: unknown, type = 'application/json') => {
          res.writeHead(status, { 'content-type': type });
          res.end(JSON.stringify(payload));
        };
        if (op === '/payments/authorize') {
          if (b.paymentDownUntil && Date.now() < b.paymentDownUntil)
            return send(503, { code: 'SERVICE.UNAVAILABLE' }, 'application/problem+json');
          if (b.decline)
            return send(402, { code: 'PAYMENTS.DECLINED', reason: 'limit exceeded' }, 'application/problem+json');
          return send(201, { status: 'AUTHORIZED' });
        }
        if (op === '/reservations' && b.outOfStock)
          return send(409, { code: 'INVENTORY.OUT_OF_STOCK', missingSkus: ['LAMP-DESK'] }, 'application/problem+json');
        if (op === '/payments/:id/void' && b.voidDown)
          return send(503, { code: 'SERVICE.UNAVAILABLE' }, 'application/problem+json');
        return send(200, { ok: true });
      });
    });
    await new Promise<void>((r) => participants.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(participants.address() as AddressInfo).port}`;
    db = await createTestDatabase(infra!.postgres, 'sagas');
    svc = await start();
    connection = connectBroker(infra!.rabbitmq, { name: 'saga-test' });
    publisher = new MessagePublisher(connection, new Registry(), 10_000, ns);
    // The shipping worker, played by the test: record commands and reply unless told not to.
    raw = await amqp.connect(infra!.rabbitmq);
    const ch = await raw.createChannel();
    await ch.assertQueue(shippingQueue, { durable: false, autoDelete: true });
    await ch.consume(shippingQueue, (msg) => {
      if (!msg) return;
      ch.ack(msg);
      const command = JSON.parse(msg.content.toString()) as Envelope<{ orderId: string }>;
      shippingCommands.push(command);
      traces.push(`${command.data.orderId} ${String(msg.properties.headers?.['traceparent']).split('-')[1]}`);
      if (command.type === 'shipping.create-shipment.v1' && !behaviour.get(command.data.orderId)?.noShippingReply) {
        void publisher.publish(
          createEnvelope(
            'shipping.shipment-created.v1',
            { shipmentId: `s-${command.data.orderId}`, orderId: command.data.orderId },
            { correlationId: command.correlationId },
          ),
        );
      }
    });
  });

  afterAll(async () => {
    await svc.close();
    await publisher.close();
    await connection.close();
    await raw.close();
    await deleteMessagingNamespace(infra!.rabbitmq, ns, ['saga-orchestrator']);
    await db.drop();
    await new Promise((r) => participants.close(r));
  });

  const order = (orderId: string, b: Behaviour = {}) => {
    behaviour.set(orderId, b);
    return createEnvelope(
      'orders.order-created.v1',
      { orderId, userId: 'u1', items: [{ sku: 'MUG-CLASSIC', quantity: 1, priceCents: 1299 }], totalCents: 1299 },
      { correlationId: `c-${orderId}` },
    );
  };
  const saga = async (orderId: string) =>
    (await httpJson(svc.url, 'GET', `/admin/sagas/${orderId}`, undefined, { authorization: `Bearer ${ADMIN}` })).body;
  const until = async (orderId: string, states: string[], timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await saga(orderId);
      if (states.includes(s.state)) return s;
      if (Date.now() > end) throw new Error(`saga of ${orderId} is ${s.state ?? s.code}, expected ${states.join('|')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const callsOf = (orderId: string) =>
    calls.filter((c) => c.startsWith(`${orderId} `)).map((c) => c.slice(orderId.length + 1));

  it('continues the trace of order-created in every step: participant calls and the shipping command (outbox)', async () => {
    const id = `o-traced-${ns}`;
    const traceId = randomBytes(16).toString('hex');
    await publisher.publish(order(id), {
      headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
    });
    await until(id, ['APPROVED']);
    const mine = traces.filter((t) => t.startsWith(`${id} `)).map((t) => t.slice(id.length + 1));
    // authorize, reserve, the shipping command, capture, commit: each hop, however long the saga waited before it.
    expect(mine.length).toBeGreaterThanOrEqual(5);
    expect(new Set(mine)).toEqual(new Set([traceId]));
  });

  it('happy path: authorize → reserve → ship → capture → commit → approve, each transition recorded', async () => {
    const id = `o-happy-${ns}`;
    await publisher.publish(order(id));
    const s = await until(id, ['APPROVED']);
    expect(s.history.map((h: { to: string }) => h.to)).toEqual([
      'STARTED',
      'PAYMENT_AUTHORIZED',
      'STOCK_RESERVED',
      'AWAITING_SHIPMENT',
      'SHIPPED',
      'PAYMENT_CAPTURED',
      'STOCK_COMMITTED',
      'APPROVED',
    ]);
    expect(callsOf(id)).toEqual([
      '/payments/authorize',
      '/reservations',
      '/payments/:id/capture',
      '/reservations/:id/commit',
      '/orders/:id/approve',
    ]);
  });

  it('declined payment: the order is rejected with the reason, nothing else is touched', async () => {
    const id = `o-declined-${ns}`;
    await publisher.publish(order(id, { decline: true }));
    const s = await until(id, ['REJECTED']);
    expect(s.reason).toMatch(/payment declined: limit exceeded/);
    expect(callsOf(id)).toEqual(['/payments/authorize', '/orders/:id/reject']);
  });

  it('out of stock: the authorization is voided, then the order rejected', async () => {
    const id = `o-oos-${ns}`;
    await publisher.publish(order(id, { outOfStock: true }));
    const s = await until(id, ['REJECTED']);
    expect(s.reason).toMatch(/out of stock: LAMP-DESK/);
    expect(callsOf(id)).toEqual(['/payments/authorize', '/reservations', '/payments/:id/void', '/orders/:id/reject']);
  });

  it('the same order-created event twice starts one saga and charges once', async () => {
    const id = `o-dup-${ns}`;
    const event = order(id);
    await publisher.publish(event);
    await publisher.publish(event);
    await publisher.publish(order(id)); // a second event (new id) for the same order
    await until(id, ['APPROVED']);
    await new Promise((r) => setTimeout(r, 300));
    expect(callsOf(id).filter((c) => c === '/payments/authorize')).toHaveLength(1);
  });

  it('a technical failure is retried, not compensated, and the saga completes when the dependency is back', async () => {
    const id = `o-flaky-${ns}`;
    await publisher.publish(order(id, { paymentDownUntil: Date.now() + 1_500 }));
    const waiting = await until(id, ['STARTED']);
    expect(waiting.state).toBe('STARTED');
    const s = await until(id, ['APPROVED']);
    expect(s.history.map((h: { to: string }) => h.to)).not.toContain('COMPENSATING');
  });

  it('past the step deadline a failing step is compensated and the order rejected with the reason', async () => {
    const id = `o-deadline-${ns}`;
    await publisher.publish(order(id, { paymentDownUntil: Date.now() + 60_000 }));
    const s = await until(id, ['REJECTED'], 20_000);
    expect(s.reason).toMatch(/STARTED step did not succeed before its deadline/);
    expect(callsOf(id).at(-1)).toBe('/orders/:id/reject');
  });

  it('shipping that never answers: cancel sent, stock released, payment voided, order rejected', async () => {
    const id = `o-noship-${ns}`;
    await publisher.publish(order(id, { noShippingReply: true }));
    const s = await until(id, ['REJECTED'], 20_000);
    expect(s.reason).toMatch(/shipping did not answer/);
    expect(shippingCommands.filter((c) => (c.data as { orderId: string }).orderId === id).map((c) => c.type)).toEqual([
      'shipping.create-shipment.v1',
      'shipping.cancel-shipment.v1',
    ]);
    expect(callsOf(id)).toEqual([
      '/payments/authorize',
      '/reservations',
      '/reservations/:id/release',
      '/payments/:id/void',
      '/orders/:id/reject',
    ]);
  });

  it('a failing compensation is retried, then parked as COMPENSATION_FAILED; an operator retry finishes it', async () => {
    const id = `o-compfail-${ns}`;
    await publisher.publish(order(id, { outOfStock: true, voidDown: true }));
    const parked = await until(id, ['COMPENSATION_FAILED']);
    expect(parked.completed.paymentAuthorized).toBe(true);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/saga_compensation_failures_total\{service="saga-orchestrator"\} [3-9]/);
    expect(metrics).toMatch(/sagas_in_state\{state="COMPENSATION_FAILED",service="saga-orchestrator"\} 1/);
    behaviour.set(id, { outOfStock: true });
    const retried = await httpJson(svc.url, 'POST', `/admin/sagas/${id}/retry`, undefined, {
      authorization: `Bearer ${ADMIN}`,
    });
    expect(retried.status).toBe(200);
    const s = await until(id, ['REJECTED']);
    expect(s.completed.paymentAuthorized).toBe(false);
    expect(
      (await httpJson(svc.url, 'POST', `/admin/sagas/${id}/retry`, undefined, { authorization: `Bearer ${ADMIN}` }))
        .status,
    ).toBe(409);
  });

  it('a restarted orchestrator resumes a saga where the stopped one left it', async () => {
    const id = `o-restart-${ns}`;
    await publisher.publish(order(id, { noShippingReply: true }));
    await until(id, ['AWAITING_SHIPMENT']);
    await svc.close();
    svc = await start();
    await publisher.publish(
      createEnvelope('shipping.shipment-created.v1', { shipmentId: 's-late', orderId: id }, { correlationId: 'late' }),
    );
    const s = await until(id, ['APPROVED']);
    expect(s.history.filter((h: { to: string }) => h.to === 'STARTED')).toHaveLength(1);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/sagas_finished_total\{outcome="approved",service="saga-orchestrator"\} 1/);
  });

  it('two replicas on one database share the sagas without driving one twice', async () => {
    const second = await start();
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `o-pair-${i}-${ns}`);
      await Promise.all(ids.map((orderId) => publisher.publish(order(orderId))));
      for (const orderId of ids) await until(orderId, ['APPROVED']);
      for (const orderId of ids) {
        // each step's call made once: no saga was driven by both replicas at the same time
        expect(callsOf(orderId)).toEqual([
          '/payments/authorize',
          '/reservations',
          '/payments/:id/capture',
          '/reservations/:id/commit',
          '/orders/:id/approve',
        ]);
      }
    } finally {
      await second.close();
    }
  });

  it('the admin API needs the token and answers bad input with 4xx problems', async () => {
    expect((await httpJson(svc.url, 'GET', '/admin/sagas')).status).toBe(401);
    const auth = { authorization: `Bearer ${ADMIN}` };
    for (const path of ['/admin/sagas?state=NOPE', '/admin/sagas?limit=0', '/admin/sagas/none', '/admin/sagas/a%20b']) {
      const res = await httpJson(svc.url, 'GET', path, undefined, auth);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(
      (await httpJson(svc.url, 'GET', '/admin/sagas?state=APPROVED', undefined, auth)).body.length,
    ).toBeGreaterThan(0);
  });
});
