import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Inject, Injectable, Module } from '@nestjs/common';
import { createService, type Service } from '@refarch/bootstrap';
import { loadConfig, serviceEnv } from '@refarch/config';
import { createEnvelope, type Envelope, type MessageData } from '@refarch/contracts';
import { HealthModule, rabbitmqCheck } from '@refarch/health';
import { currentCorrelationId } from '@refarch/observability';
import { PostgresModule } from '@refarch/postgres';
import {
  createTestDatabase,
  requireInfra,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@refarch/testing';
import { randomBytes } from 'node:crypto';
import { BROKER, DlqAdmin, MESSAGING_MIGRATIONS, MessagePublisher, MessagingModule, OnMessage } from './exports.js';
import { deleteQueues, eventually } from './helpers.js';

const infra = await requireInfra('libs/messaging Nest module', 'postgres', 'rabbitmq');
const ADMIN = 'messaging-admin-token-0123456789';
const queue = `test.module.${randomBytes(4).toString('hex')}`;
const seen: { orderId: string; correlationId: string | undefined }[] = [];

@Injectable()
class RejectionsHandler {
  constructor(@Inject(MessagePublisher) readonly publisher: MessagePublisher) {}

  @OnMessage('orders.order-rejected.v1', { queue })
  onRejected(data: MessageData<'orders.order-rejected.v1'>, envelope: Envelope): Promise<void> {
    if (data.reason === 'poison') return Promise.reject(new Error('cannot handle poison'));
    seen.push({ orderId: data.orderId, correlationId: currentCorrelationId() });
    expect(envelope.type).toBe('orders.order-rejected.v1');
    return Promise.resolve();
  }
}

(infra ? describe : describe.skip)('MessagingModule in a service', () => {
  let db: TestDatabase;
  let svc: TestService<Service>;
  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'msgmodule');
    @Module({
      imports: [
        PostgresModule.forRoot({
          url: db.url,
          applicationName: 'test',
          migrationsDir: MESSAGING_MIGRATIONS.dir,
          libraryMigrations: [],
        }),
        MessagingModule.forRoot({
          url: infra!.rabbitmq,
          service: 'module-test',
          outbox: 'postgres',
          retryDelaysMs: [20],
        }),
        HealthModule.forRoot({ useFactory: () => [] }),
      ],
      providers: [RejectionsHandler],
    })
    class TestModule {}
    const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'warn', ADMIN_TOKEN: ADMIN });
    svc = await startTestService((o) =>
      createService(TestModule, {
        name: 'module-test',
        config: { ...config, ...o.config },
        logDestination: o.logDestination,
      }),
    );
  });
  afterAll(async () => {
    await svc.close();
    await deleteQueues(infra!.rabbitmq, queue, 1);
    await db.drop();
  });

  const reject = (orderId: string, reason: string) =>
    createEnvelope('orders.order-rejected.v1', { orderId, userId: 'u', reason }, { correlationId: `corr-${orderId}` });

  it('discovers @OnMessage handlers, binds their queue to the event and runs them in the message context', async () => {
    const publisher = svc.service.app.get(MessagePublisher);
    await publisher.publish(reject('m1', 'declined'));
    await eventually(() => seen.some((s) => s.orderId === 'm1'), 5_000, 'the handler');
    expect(seen.find((s) => s.orderId === 'm1')).toEqual({ orderId: 'm1', correlationId: 'corr-m1' });
  });

  it('serves the DLQ over HTTP behind the admin token: list, replay, purge', async () => {
    const publisher = svc.service.app.get(MessagePublisher);
    await publisher.publish(reject('m2', 'poison'));
    const admin = new DlqAdmin(infra!.rabbitmq);
    await eventually(async () => (await admin.count(queue)) === 1, 5_000, 'the dead letter');
    const auth = { authorization: `Bearer ${ADMIN}` };
    expect((await fetch(`${svc.url}/admin/dlq/${queue}`)).status).toBe(401);
    const listed = (await (await fetch(`${svc.url}/admin/dlq/${queue}`, { headers: auth })).json()) as {
      messages: { error: string }[];
    };
    expect(listed.messages).toEqual([expect.objectContaining({ error: 'Error: cannot handle poison', attempts: 2 })]);
    expect((await fetch(`${svc.url}/admin/dlq/not-mine`, { headers: auth })).status).toBe(404);
    const replay = await fetch(`${svc.url}/admin/dlq/${queue}/replay`, { method: 'POST', headers: auth });
    expect(await replay.json()).toEqual({ replayed: 1 });
    await eventually(async () => (await admin.count(queue)) === 1, 5_000, 'dead again after replay');
    const purge = await fetch(`${svc.url}/admin/dlq/${queue}`, { method: 'DELETE', headers: auth });
    expect(await purge.json()).toEqual({ purged: 1 });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toContain(`dlq_messages{queue="${queue}",service="module-test"} 0`);
    expect(metrics).toMatch(/messages_consumed_total\{queue="[^"]+",outcome="dead_lettered",service="module-test"\} 2/);
  });

  it('reports a missing DLQ as an error, not a crash', async () => {
    await expect(new DlqAdmin(infra!.rabbitmq).list('test.no-such-queue')).rejects.toMatchObject({ code: 404 });
  });
});

(infra ? describe : describe.skip)('MessagingModule without a broker', () => {
  it('still starts (liveness 200, readiness 503 naming rabbitmq) instead of hanging on the connection', async () => {
    const db = await createTestDatabase(infra!.postgres, 'msgnobroker');
    @Module({
      imports: [
        PostgresModule.forRoot({ url: db.url, applicationName: 'test', migrationsDir: MESSAGING_MIGRATIONS.dir }),
        MessagingModule.forRoot({ url: 'amqp://guest:guest@127.0.0.1:1', service: 'no-broker', outbox: 'postgres' }),
        HealthModule.forRoot({
          inject: [BROKER],
          useFactory: (broker: { isConnected(): boolean }) => [
            rabbitmqCheck({ isConnected: () => broker.isConnected() }),
          ],
        }),
      ],
      providers: [RejectionsHandler],
    })
    class NoBrokerModule {}
    const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'fatal' });
    const svc = await startTestService((o) =>
      createService(NoBrokerModule, {
        name: 'no-broker',
        config: { ...config, ...o.config },
        logDestination: o.logDestination,
      }),
    );
    try {
      expect((await fetch(`${svc.url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${svc.url}/health/ready`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toContain('rabbitmq');
    } finally {
      await svc.close();
      await db.drop();
    }
  }, 30_000);
});
