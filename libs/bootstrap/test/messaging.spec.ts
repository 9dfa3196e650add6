import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Injectable, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { loadConfig, serviceEnv } from '@refarch/config';
import { createEnvelope, type MessageData } from '@refarch/contracts';
import { HealthModule, rabbitmqCheck } from '@refarch/health';
import {
  BROKER,
  DlqAdmin,
  MESSAGING_MIGRATIONS,
  MessageContext,
  MessagePublisher,
  MessagingModule,
  OnMessage,
} from '@refarch/messaging';
import { currentCorrelationId } from '@refarch/observability';
import { PostgresModule } from '@refarch/postgres';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  eventually,
  requireInfra,
  startTestService,
  type TestDatabase,
  type TestService,
} from '@refarch/testing';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createService, type Service } from '../src/index.js';

// Message handlers as Nest microservice handlers on the RabbitMQ transport, in a real service (createService) on a
// real broker and database: each guarantee of the transport is proven here through @EventPattern.
const infra = await requireInfra('the RabbitMQ transport in a service', 'postgres', 'rabbitmq');
const ADMIN = 'messaging-admin-token-0123456789';
const namespace = `t${randomBytes(4).toString('hex')}`;
const QUEUE = 'transport-test';
const queue = `${namespace}.${QUEUE}`;
const seen: { orderId: string; correlationId: string | undefined; type: string; attempt: unknown }[] = [];
const committed: string[] = [];
const failedOnce = new Set<string>();

let bootstraps = 0;
@Injectable()
class BootstrapCounter implements OnApplicationBootstrap {
  onApplicationBootstrap() {
    bootstraps++;
  }
}

@Controller()
class RejectionsController {
  @OnMessage('orders.order-rejected.v1', { queue: QUEUE })
  async onRejected(@Payload() data: MessageData<'orders.order-rejected.v1'>, @Ctx() context: MessageContext) {
    if (data.reason === 'poison') throw new Error('cannot handle poison');
    await context.transaction.query(`INSERT INTO effects (message_id, order_id) VALUES ($1, $2)`, [
      context.envelope.id,
      data.orderId,
    ]);
    // Fails after its effect was written: the effect must roll back with the inbox row, and the retry apply it.
    if (data.reason === 'fail-once' && !failedOnce.has(data.orderId)) {
      failedOnce.add(data.orderId);
      throw new Error('transient failure');
    }
    seen.push({
      orderId: data.orderId,
      correlationId: currentCorrelationId(),
      type: context.envelope.type,
      attempt: context.message.properties.headers?.['x-attempt'],
    });
    context.afterCommit(() => committed.push(data.orderId));
  }
}

const reject = (orderId: string, reason: string) =>
  createEnvelope('orders.order-rejected.v1', { orderId, userId: 'u', reason }, { correlationId: `corr-${orderId}` });

(infra ? describe : describe.skip)('the RabbitMQ transport in a service', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let svc: TestService<Service>;
  let publisher: MessagePublisher;
  const effects = async (orderId: string) =>
    Number(
      (await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM effects WHERE order_id = $1`, [orderId]))
        .rows[0]!.n,
    );

  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'transport');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query(`CREATE TABLE effects (seq bigserial PRIMARY KEY, message_id uuid NOT NULL, order_id text)`);
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
          service: 'transport-test',
          outbox: 'postgres',
          retryDelaysMs: [20],
          namespace,
        }),
        HealthModule.forRoot({ useFactory: () => [] }),
      ],
      controllers: [RejectionsController],
      providers: [BootstrapCounter],
    })
    class TestModule {}
    const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'fatal', ADMIN_TOKEN: ADMIN });
    svc = await startTestService((o) =>
      createService(TestModule, {
        name: 'transport-test',
        config: { ...config, ...o.config },
        logDestination: o.logDestination,
      }),
    );
    publisher = svc.service.app.get(MessagePublisher);
  });
  afterAll(async () => {
    await svc?.close();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace, [QUEUE], 1);
    await pool?.end();
    await db?.drop();
  });

  it('binds the queue to the @EventPattern event and runs the handler with @Payload and @Ctx in the message context', async () => {
    await publisher.publish(reject('m1', 'declined'));
    await eventually(() => committed.includes('m1'), 5_000, 'the handler');
    expect(seen.find((s) => s.orderId === 'm1')).toMatchObject({
      correlationId: 'corr-m1',
      type: 'orders.order-rejected.v1',
    });
    expect(await effects('m1')).toBe(1);
  });

  it('runs the lifecycle hooks once: the hybrid app does not bootstrap its providers a second time', () => {
    expect(bootstraps).toBe(1);
  });

  it('applies a redelivered message once (the inbox), and runs after-commit work once', async () => {
    const envelope = reject('dup', 'declined');
    await publisher.publish(envelope);
    await publisher.publish(envelope);
    await eventually(
      async () =>
        /messages_consumed_total\{queue="[^"]+",outcome="duplicate",service="transport-test"\} 1/.test(
          await (await fetch(`${svc.url}/metrics`)).text(),
        ),
      5_000,
      'the duplicate counted',
    );
    expect(await effects('dup')).toBe(1);
    expect(committed.filter((id) => id === 'dup')).toEqual(['dup']);
  });

  it('rolls a failed attempt back with its inbox row, and the retry applies it: effects once, acked after commit', async () => {
    await publisher.publish(reject('flaky', 'fail-once'));
    await eventually(() => committed.includes('flaky'), 5_000, 'the retried attempt');
    expect(await effects('flaky')).toBe(1);
    expect(seen.find((s) => s.orderId === 'flaky')?.attempt).toBe(2);
  });

  it('dead-letters with the error as thrown, and serves the DLQ over HTTP behind the admin token', async () => {
    await publisher.publish(reject('m2', 'poison'));
    const admin = new DlqAdmin(infra!.rabbitmq);
    await eventually(async () => (await admin.count(queue)) === 1, 5_000, 'the dead letter');
    const auth = { authorization: `Bearer ${ADMIN}` };
    expect((await fetch(`${svc.url}/admin/dlq/${queue}`)).status).toBe(401);
    expect(await (await fetch(`${svc.url}/admin/dlq`, { headers: auth })).json()).toEqual({ queues: [queue] });
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
    expect(metrics).toContain(`dlq_messages{queue="${queue}",service="transport-test"} 0`);
    expect(metrics).toMatch(
      /messages_consumed_total\{queue="[^"]+",outcome="dead_lettered",service="transport-test"\} 2/,
    );
  });

  it('reports a missing DLQ as an error, not a crash', async () => {
    await expect(new DlqAdmin(infra!.rabbitmq).list('test.no-such-queue')).rejects.toMatchObject({ code: 404 });
  });
});

(infra ? describe : describe.skip)('the RabbitMQ transport at start-up', () => {
  const config = loadConfig(serviceEnv, { PORT: '0', LOG_LEVEL: 'fatal' });

  it('still starts without a broker (liveness 200, readiness 503 naming rabbitmq) instead of hanging', async () => {
    const db = await createTestDatabase(infra!.postgres, 'transportnobroker');
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
      controllers: [RejectionsController],
    })
    class NoBrokerModule {}
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

  it('refuses an @EventPattern that is not a message type of the contracts, naming it', async () => {
    @Controller()
    class TypoController {
      @EventPattern<string>('orders.order-rejectd.v1')
      handle(): void {}
    }
    @Module({
      imports: [
        MessagingModule.forRoot({ url: infra!.rabbitmq, service: 'typo', namespace }),
        HealthModule.forRoot({ useFactory: () => [] }),
      ],
      controllers: [TypoController],
    })
    class TypoModule {}
    const service = await createService(TypoModule, { name: 'typo', config });
    try {
      await expect(service.listen()).rejects.toThrow(
        "@EventPattern('orders.order-rejectd.v1'): not a message type of @refarch/contracts",
      );
    } finally {
      await service.close();
    }
  });
});
