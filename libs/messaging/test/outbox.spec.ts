import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, requireInfra, startTcpProxy, type TestDatabase, testPool } from '@refarch/testing';
import pg from 'pg';
import { Registry } from 'prom-client';
import {
  addToOutbox,
  connectBroker,
  PgInbox,
  MessageConsumer,
  MessagePublisher,
  migrate,
  MESSAGING_MIGRATIONS_DIR,
  MESSAGING_MIGRATIONS_TABLE,
  OutboxRelay,
  PgOutboxStore,
  type AmqpConnectionManager,
} from './exports.js';
import { createEffectsTable, deleteQueues, effectCounts, eventually, testMessage, uniqueQueue } from './helpers.js';
import { outboxContract } from './outbox-contract.js';

const infra = await requireInfra('libs/messaging outbox (PostgreSQL)', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('PostgreSQL outbox', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let otherPool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase(infra!.postgres, 'outbox');
    await migrate({ databaseUrl: db.url, dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE });
    await createEffectsTable(db.url);
    pool = testPool(db.url);
    otherPool = testPool(db.url);
  });
  afterAll(async () => {
    await pool.end();
    await otherPool.end();
    await db.drop();
  });

  const write = async (envelopes: ReturnType<typeof testMessage>[], destination?: string) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const e of envelopes) await addToOutbox(client, e, destination ? { destination } : {});
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  };

  describe('store contract', () => {
    outboxContract(() => ({
      store: new PgOutboxStore(pool),
      other: new PgOutboxStore(otherPool),
      write: (envelopes) => write(envelopes),
      reset: async () => {
        await pool.query('TRUNCATE outbox');
      },
    }));
  });

  it('writes nothing when the caller’s transaction rolls back', async () => {
    await pool.query('TRUNCATE outbox');
    const client = await pool.connect();
    await client.query('BEGIN');
    await addToOutbox(client, testMessage(1));
    await client.query('ROLLBACK');
    client.release();
    expect(await new PgOutboxStore(pool).pendingCount()).toBe(0);
  });

  describe('relay to the real broker', () => {
    let connection: AmqpConnectionManager;
    let publisher: MessagePublisher;
    let registry: Registry;
    const queues: string[] = [];
    beforeAll(() => {
      registry = new Registry();
      connection = connectBroker(infra!.rabbitmq, { name: 'outbox-test' });
      publisher = new MessagePublisher(connection, registry);
    });
    afterAll(async () => {
      await publisher.close();
      await connection.close();
      for (const q of queues) await deleteQueues(infra!.rabbitmq, q);
    });

    /** A consumer on its own direct connection that applies each message once and counts deliveries. */
    const startConsumer = async (queue: string, consumerName: string) => {
      const deliveries = new Map<string, number>();
      const consumer = new MessageConsumer(connection, publisher, registry, {
        queue,
        bindings: [],
        prefetch: 50,
        handlers: {
          'shipping.cancel-shipment.v1': (envelope) => {
            deliveries.set(envelope.id, (deliveries.get(envelope.id) ?? 0) + 1);
            return new PgInbox(pool).once(consumerName, envelope.id, async (client) => {
              await client.query('INSERT INTO effects (message_id, order_id) VALUES ($1, $2)', [envelope.id, 'x']);
            });
          },
        },
      });
      await consumer.ready();
      return { consumer, deliveries };
    };

    const fresh = async (label: string) => {
      await pool.query('TRUNCATE outbox, effects, inbox');
      const queue = uniqueQueue(label);
      queues.push(queue);
      return queue;
    };

    it('publishes every committed record, woken by NOTIFY (polling set to a minute), and marks it published', async () => {
      const queue = await fresh('relay');
      const { consumer } = await startConsumer(queue, 'relay');
      const relay = new OutboxRelay(new PgOutboxStore(pool, db.url), publisher, registry, { pollIntervalMs: 60_000 });
      await relay.start();
      await write(
        Array.from({ length: 50 }, (_, n) => testMessage(n)),
        queue,
      );
      await eventually(async () => (await effectCounts(pool)).distinct === 50, 5_000, 'all 50 applied');
      await relay.stop();
      await consumer.stop();
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM outbox WHERE published_at IS NOT NULL`,
      );
      expect(Number(rows[0]!.n)).toBe(50);
      expect(await relay.pending()).toBe(0);
      expect(await registry.metrics()).toMatch(/outbox_publish_lag_seconds_count 50/);
    });

    it('is woken by each commit even when one arrives while a batch is being published (no lost wake-up)', async () => {
      const queue = await fresh('wake');
      const received: string[] = [];
      const total = 30;
      // Each delivery writes the next record at once, i.e. while the relay is still completing the previous batch:
      // a notification lost then would leave the record for the minute-long poll and this test would time out.
      const consumer = new MessageConsumer(connection, publisher, registry, {
        queue,
        bindings: [],
        handlers: {
          'shipping.cancel-shipment.v1': (envelope) => {
            received.push(envelope.id);
            if (received.length < total) void write([testMessage(received.length)], queue);
            return Promise.resolve();
          },
        },
      });
      await consumer.ready();
      const relay = new OutboxRelay(new PgOutboxStore(pool, db.url), publisher, registry, { pollIntervalMs: 60_000 });
      await relay.start();
      await write([testMessage(0)], queue);
      await eventually(() => received.length === total, 10_000, `${total} messages, each woken by its commit`);
      await relay.stop();
      await consumer.stop();
    });

    it('loses nothing when the broker connection is cut mid-stream: all delivered at least once, applied once', async () => {
      const queue = await fresh('cut');
      const { consumer, deliveries } = await startConsumer(queue, 'cut');
      const broker = new URL(infra!.rabbitmq);
      const proxy = await startTcpProxy(broker.hostname, Number(broker.port || 5672));
      const proxied = new URL(infra!.rabbitmq);
      proxied.hostname = proxy.host;
      proxied.port = String(proxy.port);
      const relayConnection = connectBroker(proxied.toString(), {
        name: 'outbox-relay-behind-proxy',
        reconnectSeconds: 0.2,
      });
      const relayPublisher = new MessagePublisher(relayConnection, new Registry(), 5_000);
      const relay = new OutboxRelay(new PgOutboxStore(pool, db.url), relayPublisher, new Registry(), {
        pollIntervalMs: 100,
        batchSize: 20,
      });
      await relay.start();
      const total = 400;
      for (let i = 0; i < total; i += 40) {
        await write(
          Array.from({ length: 40 }, (_, n) => testMessage(i + n)),
          queue,
        );
        if (i === 120) proxy.cut();
        if (i === 240) proxy.restore();
      }
      await eventually(async () => (await effectCounts(pool)).distinct === total, 30_000, `all ${total} applied`);
      await relay.stop();
      await consumer.stop();
      await relayPublisher.close();
      await relayConnection.close();
      await proxy.close();
      expect(await effectCounts(pool)).toEqual({ total, distinct: total });
      expect(deliveries.size).toBe(total);
      expect(await new PgOutboxStore(pool).pendingCount()).toBe(0);
    });

    it('runs two relays on one outbox without losing or double-publishing a record', async () => {
      const queue = await fresh('two-relays');
      const { consumer, deliveries } = await startConsumer(queue, 'two-relays');
      const relays = [pool, otherPool].map(
        (p) =>
          new OutboxRelay(new PgOutboxStore(p, db.url), publisher, new Registry(), {
            pollIntervalMs: 20,
            batchSize: 10,
          }),
      );
      await Promise.all(relays.map((r) => r.start()));
      const total = 300;
      for (let i = 0; i < total; i += 30)
        await write(
          Array.from({ length: 30 }, (_, n) => testMessage(i + n)),
          queue,
        );
      await eventually(async () => (await effectCounts(pool)).distinct === total, 20_000, `all ${total} applied`);
      await Promise.all(relays.map((r) => r.stop()));
      await new Promise((r) => setTimeout(r, 200)); // anything published twice would have arrived by now
      await consumer.stop();
      expect(deliveries.size).toBe(total);
      expect([...deliveries.values()].every((n) => n === 1)).toBe(true);
    });
  });
});
