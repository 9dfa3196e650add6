import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import amqp from 'amqplib';
import { createEnvelope, type Envelope } from '@refarch/contracts';
import { deleteMessagingNamespace, requireInfra } from '@refarch/testing';
import { Registry } from 'prom-client';
import { connectBroker, LiveFeed, MessageConsumer, MessagePublisher, type AmqpConnectionManager } from './exports.js';
import { eventually } from './helpers.js';

const infra = await requireInfra('libs/messaging live feed', 'rabbitmq');

(infra ? describe : describe.skip)('LiveFeed on the real RabbitMQ', () => {
  const namespace = `test-live-${randomBytes(4).toString('hex')}`;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;

  beforeAll(() => {
    connection = connectBroker(infra!.rabbitmq, { name: 'live-feed-test' });
    publisher = new MessagePublisher(connection, new Registry(), 5_000, namespace);
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await deleteMessagingNamespace(infra!.rabbitmq, namespace);
  });

  const approved = (orderId: string) =>
    createEnvelope('orders.order-approved.v1', { orderId, userId: 'u1', totalCents: 100 }, { correlationId: 'c' });
  const registered = () =>
    createEnvelope('users.user-registered.v1', { userId: 'u1', email: 'a@b.c', name: 'A' }, { correlationId: 'c' });

  it('gives every replica every matching event (fan-out, not competing consumers), and nothing else', async () => {
    const seen: [Envelope[], Envelope[]] = [[], []];
    const feeds = seen.map(
      (list, i) =>
        new LiveFeed(connection, {
          name: `replica-${i}`,
          bindings: ['orders.#'],
          namespace,
          onEvent: (e) => list.push(e),
        }),
    );
    await Promise.all(feeds.map((f) => f.ready()));
    for (let n = 0; n < 10; n++) await publisher.publish(approved(`o${n}`));
    await publisher.publish(registered());
    await eventually(() => seen.every((list) => list.length === 10));
    for (const list of seen) {
      expect(list.map((e) => (e.data as { orderId: string }).orderId)).toEqual(
        Array.from({ length: 10 }, (_, n) => `o${n}`),
      );
      expect(list.some((e) => e.type === 'users.user-registered.v1')).toBe(false);
    }
    const names = feeds.map((f) => f.queueName);
    await Promise.all(feeds.map((f) => f.close()));
    // The queues go with their consumers: nothing accumulates on the broker for a replica that is gone.
    const admin = await amqp.connect(infra!.rabbitmq);
    const channel = await admin.createChannel();
    channel.on('error', () => undefined);
    await expect(channel.checkQueue(names[0]!)).rejects.toThrow(/NOT_FOUND/);
    await admin.close().catch(() => undefined);
  });

  it('reports a failed channel setup to onError instead of crashing the process', async () => {
    // A queue declared earlier with other arguments: the consumer's declaration fails (PRECONDITION_FAILED).
    const queue = `${namespace}.clash`;
    const admin = await amqp.connect(infra!.rabbitmq);
    const channel = await admin.createChannel();
    await channel.assertQueue(queue, { durable: false, autoDelete: true });
    const errors: unknown[] = [];
    const consumer = new MessageConsumer(connection, publisher, new Registry(), {
      queue,
      bindings: [],
      handlers: {},
      onError: (error) => errors.push(error),
    });
    await eventually(() => errors.length > 0);
    expect(String(errors[0])).toMatch(/PRECONDITION_FAILED/);
    await consumer.stop().catch(() => undefined);
    await channel.deleteQueue(queue);
    await admin.close();
  });
});
