#!/usr/bin/env node
// `npm run bench -w libs/messaging`: on the local RabbitMQ and PostgreSQL (same resolution as the tests),
// 1. publish-with-confirm throughput: MessagePublisher (validation + confirm) vs raw amqplib on a confirm channel,
//    20 000 persistent messages each, 1 000 in flight;
// 2. latency from outbox commit to the consumer's handler, vs raw amqplib publish → consume, 1 000 messages each,
//    one at a time (median, p99).
import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createEnvelope } from '@refarch/contracts';
import { migrate } from '@refarch/postgres';
import { createTestDatabase, requireInfra } from '@refarch/testing';
import {
  addToOutbox,
  connectBroker,
  MESSAGING_MIGRATIONS_DIR,
  MESSAGING_MIGRATIONS_TABLE,
  MessageConsumer,
  MessagePublisher,
  OutboxRelay,
  PgOutboxStore,
} from '../dist/index.js';

const infra = await requireInfra('messaging bench', 'postgres', 'rabbitmq');
if (!infra) process.exit(1);
const tag = randomBytes(3).toString('hex');
const message = (n) =>
  createEnvelope('shipping.cancel-shipment.v1', { orderId: `order-${n}`, reason: 'bench' }, { correlationId: 'bench' });
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (v) => `${v.toFixed(2)} ms`;

const raw = await amqp.connect(infra.rabbitmq);
const rawChannel = await raw.createConfirmChannel();
const queues = [];
const newQueue = async (label) => {
  const q = `bench.${label}.${tag}`;
  await rawChannel.assertQueue(q, { durable: true });
  queues.push(q);
  return q;
};

// 1. throughput
const N = 20_000;
const WINDOW = 1_000;
const body = Buffer.from(JSON.stringify(message(0)));
async function rawThroughput(queue) {
  const started = performance.now();
  for (let i = 0; i < N; i += WINDOW) {
    const batch = [];
    for (let j = 0; j < WINDOW; j++) {
      batch.push(
        new Promise((resolve, reject) =>
          rawChannel.sendToQueue(queue, body, { persistent: true }, (err) => (err ? reject(err) : resolve())),
        ),
      );
    }
    await Promise.all(batch);
  }
  return N / ((performance.now() - started) / 1000);
}
const connection = connectBroker(infra.rabbitmq, { name: 'bench' });
const registry = new Registry();
const publisher = new MessagePublisher(connection, registry);
async function publisherThroughput(queue) {
  const messages = Array.from({ length: WINDOW }, (_, i) => message(i));
  const started = performance.now();
  for (let i = 0; i < N; i += WINDOW) await Promise.all(messages.map((m) => publisher.send(queue, m)));
  return N / ((performance.now() - started) / 1000);
}
const q1 = await newQueue('raw');
const q2 = await newQueue('publisher');
await rawThroughput(q1); // warm-up
await publisherThroughput(q2);
await rawChannel.purgeQueue(q1);
await rawChannel.purgeQueue(q2);
const rawRate = await rawThroughput(q1);
const pubRate = await publisherThroughput(q2);
console.log(`\npublish with confirm, ${N.toLocaleString()} persistent messages, ${WINDOW} in flight`);
console.log(`  raw amqplib confirm channel   ${Math.round(rawRate).toLocaleString().padStart(8)} msg/s`);
console.log(
  `  MessagePublisher.send         ${Math.round(pubRate).toLocaleString().padStart(8)} msg/s   (${(pubRate / rawRate).toFixed(2)}× raw)`,
);

// 2. latency
const M = 1_000;
async function rawLatency() {
  const queue = await newQueue('rawlat');
  const consumerChannel = await raw.createChannel();
  let onMessage;
  await consumerChannel.consume(queue, (msg) => {
    consumerChannel.ack(msg);
    onMessage?.();
  });
  const samples = [];
  for (let i = 0; i < M; i++) {
    const started = performance.now();
    const got = new Promise((r) => (onMessage = r));
    rawChannel.sendToQueue(queue, body, { persistent: true }, () => undefined);
    await got;
    samples.push(performance.now() - started);
  }
  await consumerChannel.close();
  return samples.sort((a, b) => a - b);
}
const db = await createTestDatabase(infra.postgres, 'bench');
await migrate({ databaseUrl: db.url, dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE });
const pool = new pg.Pool({ connectionString: db.url });
async function outboxLatency() {
  const queue = `bench.outbox.${tag}`;
  queues.push(queue, `${queue}.dlq`, `${queue}.retry.1`, `${queue}.retry.2`, `${queue}.retry.3`);
  let onMessage;
  const consumer = new MessageConsumer(connection, publisher, registry, {
    queue,
    bindings: [],
    handlers: { 'shipping.cancel-shipment.v1': async () => onMessage?.() },
  });
  await consumer.ready();
  const relay = new OutboxRelay(new PgOutboxStore(pool, db.url), publisher, registry, { pollIntervalMs: 1_000 });
  await relay.start();
  const samples = [];
  for (let i = 0; i < M; i++) {
    const got = new Promise((r) => (onMessage = r));
    const client = await pool.connect();
    await client.query('BEGIN');
    await addToOutbox(client, message(i), { destination: queue });
    const started = performance.now();
    await client.query('COMMIT');
    client.release();
    await got;
    samples.push(performance.now() - started);
  }
  await relay.stop();
  await consumer.stop();
  return samples.sort((a, b) => a - b);
}
await rawLatency(); // warm-up
const rawLat = await rawLatency();
const outLat = await outboxLatency();
console.log(`\nlatency to the consumer, ${M.toLocaleString()} messages one at a time`);
console.log(
  `  raw amqplib publish → consume        median ${ms(quantile(rawLat, 0.5)).padStart(9)}   p99 ${ms(quantile(rawLat, 0.99)).padStart(9)}`,
);
console.log(
  `  outbox commit → relay → handler      median ${ms(quantile(outLat, 0.5)).padStart(9)}   p99 ${ms(quantile(outLat, 0.99)).padStart(9)}`,
);

for (const q of queues) await rawChannel.deleteQueue(q).catch(() => undefined);
await publisher.close();
await connection.close();
await raw.close();
await pool.end();
await db.drop();
