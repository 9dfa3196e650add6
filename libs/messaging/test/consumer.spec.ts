import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import { createEnvelope, type Envelope } from '@refarch/contracts';
import {
  createTestDatabase,
  deleteMessagingNamespace,
  requireInfra,
  testNamespace,
  testPool,
  type TestDatabase,
} from '@refarch/testing';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  connectBroker,
  DlqAdmin,
  dlqName,
  declareExchanges,
  exchangesFor,
  PgInbox,
  HEADERS,
  InvalidMessageError,
  MessageConsumer,
  MessagePublisher,
  migrate,
  MESSAGING_MIGRATIONS_DIR,
  MESSAGING_MIGRATIONS_TABLE,
  UnroutableMessageError,
  type AmqpConnectionManager,
  type MessageHandler,
} from './exports.js';
import {
  createEffectsTable,
  deleteQueues,
  effectCounts,
  eventually,
  queueDepth,
  testMessage,
  uniqueQueue,
} from './helpers.js';

const infra = await requireInfra('libs/messaging consumers', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('publisher and consumers on the real RabbitMQ and PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let connection: AmqpConnectionManager;
  let registry: Registry;
  let publisher: MessagePublisher;
  let events: MessagePublisher;
  const namespace = testNamespace('messaging');
  const queues: string[] = [];
  const consumers: MessageConsumer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'messaging');
    await migrate({ databaseUrl: db.url, dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE });
    await createEffectsTable(db.url);
    pool = testPool(db.url);
    connection = connectBroker(infra!.rabbitmq, { name: 'messaging-test' });
    registry = new Registry();
    // Commands to the tests' own queues; events go out through `events` below.
    publisher = new MessagePublisher(connection, registry);
    // Events in a namespace of their own: they must not reach a local stack's consumers of refarch.events.
    events = new MessagePublisher(connection, registry, 10_000, namespace);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
    await pool.query('TRUNCATE effects, inbox');
  });
  afterAll(async () => {
    await publisher.close();
    await events.close();
    await connection.close();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace);
    for (const q of queues) await deleteQueues(infra!.rabbitmq, q);
    await pool.end();
    await db.drop();
  });

  const newQueue = (label: string) => {
    const q = uniqueQueue(label);
    queues.push(q);
    return q;
  };

  /** A handler applying one effect row per message, exactly once thanks to the inbox. */
  const applyOnce =
    (consumer: string): MessageHandler =>
    (envelope) =>
      new PgInbox(pool).once(consumer, envelope.id, async (client) => {
        await client.query('INSERT INTO effects (message_id, order_id) VALUES ($1, $2)', [
          envelope.id,
          (envelope.data as { orderId: string }).orderId,
        ]);
      });

  const consume = async (queue: string, handler: MessageHandler, retryDelaysMs = [100, 300, 900]) => {
    const consumer = new MessageConsumer(connection, publisher, registry, {
      queue,
      bindings: [],
      handlers: { 'shipping.cancel-shipment.v1': handler },
      retryDelaysMs,
    });
    consumers.push(consumer);
    await consumer.ready();
    return consumer;
  };

  it('publishes events to (its namespace’s) refarch.events with id, type, correlation id and traceparent', async () => {
    const queue = newQueue('events');
    const raw = await amqp.connect(infra!.rabbitmq);
    const channel = await raw.createChannel();
    await channel.assertQueue(queue, { durable: true });
    await declareExchanges(channel, exchangesFor(namespace));
    await channel.bindQueue(queue, exchangesFor(namespace).events, 'orders.order-rejected.v1');
    const envelope = createEnvelope(
      'orders.order-rejected.v1',
      { orderId: 'o1', userId: 'u1', reason: 'declined' },
      { correlationId: 'corr-evt' },
    );
    await events.publish(envelope);
    let message: amqp.GetMessage | false = false;
    await eventually(async () => (message = await channel.get(queue, { noAck: true })) !== false, 5_000, 'the event');
    const got = message as unknown as amqp.GetMessage;
    expect(JSON.parse(got.content.toString())).toEqual(envelope);
    expect(got.properties).toMatchObject({
      messageId: envelope.id,
      type: envelope.type,
      correlationId: 'corr-evt',
      deliveryMode: 2,
    });
    expect(got.properties.headers?.[HEADERS.traceparent]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await raw.close();
  });

  it('refuses to publish an invalid message, and a command to a queue that does not exist', async () => {
    const bad = { ...testMessage(1), data: { orderId: '' } } as Envelope;
    await expect(events.publish(bad)).rejects.toBeInstanceOf(InvalidMessageError);
    await expect(publisher.send('test.no-such-queue-anywhere', testMessage(2))).rejects.toBeInstanceOf(
      UnroutableMessageError,
    );
  });

  it('applies a message delivered twice exactly once', async () => {
    const queue = newQueue('twice');
    let calls = 0;
    await consume(queue, async (envelope, message) => {
      calls++;
      return applyOnce('twice')(envelope, message);
    });
    const messages = Array.from({ length: 20 }, (_, i) => testMessage(i));
    for (const m of messages) {
      await publisher.send(queue, m);
      await publisher.send(queue, m);
    }
    const duplicates = new RegExp(
      `messages_consumed_total\\{queue="${queue.replace(/\./g, '\\.')}",outcome="duplicate"\\} 20`,
    );
    await eventually(
      async () => calls === 40 && duplicates.test(await registry.metrics()),
      10_000,
      '40 deliveries acked',
    );
    expect(await effectCounts(pool)).toEqual({ total: 20, distinct: 20 });
  });

  it('sends an unparseable or invalid message straight to the DLQ without calling the handler', async () => {
    const queue = newQueue('invalid');
    let calls = 0;
    await consume(queue, () => {
      calls++;
      return Promise.resolve();
    });
    await publisher.sendRaw(queue, Buffer.from('{not json'), { messageId: 'garbage-1' });
    await publisher.sendRaw(queue, Buffer.from(JSON.stringify({ ...testMessage(1), data: { orderId: 5 } })), {});
    await eventually(async () => (await queueDepth(infra!.rabbitmq, dlqName(queue))) === 2, 5_000, 'two dead letters');
    expect(calls).toBe(0);
    const listed = await new DlqAdmin(infra!.rabbitmq).list(queue);
    expect(listed.messages.map((m) => m.error)).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/invalid shipping\.cancel-shipment\.v1 data/),
    ]);
    expect(listed.messages[0]).toMatchObject({ attempts: 1, originalRoutingKey: queue });
  });

  it('retries a failing handler with growing delays, then succeeds', async () => {
    const queue = newQueue('retry');
    const attempts: number[] = [];
    await consume(queue, async (envelope, message) => {
      attempts.push(Date.now());
      if (attempts.length <= 2) throw new Error(`transient failure ${attempts.length}`);
      return applyOnce('retry')(envelope, message);
    });
    await publisher.send(queue, testMessage(1));
    await eventually(() => attempts.length === 3, 10_000, 'three attempts');
    await eventually(async () => (await effectCounts(pool)).total === 1, 5_000, 'the effect');
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]).toBeGreaterThanOrEqual(300);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
  });

  it('dead-letters after the last attempt with the error, attempt count and routing key; replay and purge work', async () => {
    const queue = newQueue('dlq');
    let healthy = false;
    let attempts = 0;
    await consume(
      queue,
      async (envelope, message) => {
        attempts++;
        if (!healthy) throw new Error('payment provider exploded');
        return applyOnce('dlq')(envelope, message);
      },
      [50, 50, 50],
    );
    const message = testMessage(7);
    await publisher.send(queue, message);
    await eventually(async () => (await queueDepth(infra!.rabbitmq, dlqName(queue))) === 1, 10_000, 'the dead letter');
    expect(attempts).toBe(4);
    const admin = new DlqAdmin(infra!.rabbitmq);
    const [dead] = (await admin.list(queue)).messages;
    expect(dead).toMatchObject({
      messageId: message.id,
      type: message.type,
      attempts: 4,
      error: 'Error: payment provider exploded',
      originalRoutingKey: queue,
      body: message,
    });
    // listing leaves it there
    expect(await queueDepth(infra!.rabbitmq, dlqName(queue))).toBe(1);

    healthy = true;
    expect(await admin.replay(queue)).toBe(1);
    await eventually(async () => (await effectCounts(pool)).total === 1, 5_000, 'the replayed effect');
    expect(await queueDepth(infra!.rabbitmq, dlqName(queue))).toBe(0);

    healthy = false;
    await publisher.send(queue, testMessage(8));
    await eventually(
      async () => (await queueDepth(infra!.rabbitmq, dlqName(queue))) === 1,
      10_000,
      'another dead letter',
    );
    expect(await admin.purge(queue)).toBe(1);
    expect(await queueDepth(infra!.rabbitmq, dlqName(queue))).toBe(0);
  });

  it('stops gracefully: in-flight handlers finish and are acked, nothing is redelivered', async () => {
    const queue = newQueue('drain');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started = 0;
    const consumer = await consume(queue, async (envelope, message) => {
      started++;
      await gate;
      return applyOnce('drain')(envelope, message);
    });
    for (let i = 0; i < 3; i++) await publisher.send(queue, testMessage(i));
    await eventually(() => started === 3, 5_000, 'three in flight');
    const stopping = consumer.stop();
    consumers.splice(consumers.indexOf(consumer), 1);
    release();
    await stopping;
    expect(await effectCounts(pool)).toEqual({ total: 3, distinct: 3 });
    expect(await queueDepth(infra!.rabbitmq, queue)).toBe(0);
  });
});
