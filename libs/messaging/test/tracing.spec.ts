// Spans through the outbox with an in-memory exporter: the record keeps the context it was written in, the relay
// publishes as its child (not as a child of its poll loop), and the consumer's span is the producer span's child,
// linked to the writer, with the handler running in it.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { activeTraceId, currentContext, inSpan } from '@refarch/observability';
import { createTestDatabase, requireInfra, testPool, type TestDatabase } from '@refarch/testing';
import type pg from 'pg';
import { Registry } from 'prom-client';
import {
  addToOutbox,
  connectBroker,
  MessageConsumer,
  MessagePublisher,
  migrate,
  MESSAGING_MIGRATIONS_DIR,
  MESSAGING_MIGRATIONS_TABLE,
  OutboxRelay,
  PgOutboxStore,
  type AmqpConnectionManager,
} from './exports.js';
import { deleteQueues, eventually, testMessage, uniqueQueue } from './helpers.js';

const infra = await requireInfra('libs/messaging tracing (PostgreSQL, RabbitMQ)', 'postgres', 'rabbitmq');

(infra ? describe : describe.skip)('tracing through the outbox (in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let db: TestDatabase;
  let pool: pg.Pool;
  let connection: AmqpConnectionManager;
  let publisher: MessagePublisher;
  const queue = uniqueQueue('tracing');

  beforeAll(async () => {
    provider.register(); // AsyncLocalStorage context, W3C trace context propagation
    db = await createTestDatabase(infra!.postgres, 'tracing');
    await migrate({ databaseUrl: db.url, dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE });
    pool = testPool(db.url);
    connection = connectBroker(infra!.rabbitmq, { name: 'tracing-test' });
    publisher = new MessagePublisher(connection, new Registry());
  });
  afterAll(async () => {
    await publisher.close();
    await connection.close();
    await deleteQueues(infra!.rabbitmq, queue);
    await pool.end();
    await db.drop();
    await provider.shutdown();
  });

  it('the relay publishes as a child of the writer, and the consumer is a child of the publish, linked to the writer', async () => {
    const handled: { traceId?: string; contextTraceId?: string }[] = [];
    const registry = new Registry();
    const consumer = new MessageConsumer(connection, publisher, registry, {
      queue,
      bindings: [],
      handlers: {
        'shipping.cancel-shipment.v1': () => {
          handled.push({ traceId: activeTraceId(), contextTraceId: currentContext()?.traceId });
          return Promise.resolve();
        },
      },
    });
    await consumer.ready();
    const relay = new OutboxRelay(new PgOutboxStore(pool, db.url), publisher, registry, { pollIntervalMs: 50 });
    await relay.start();
    // The business transaction, inside a request's span.
    const writer = await inSpan('POST /orders', { kind: SpanKind.SERVER }, async (span) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await addToOutbox(client, testMessage(1), { destination: queue });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      return span.spanContext();
    });
    await eventually(() => handled.length === 1, 10_000, 'the message handled');
    await relay.stop();
    await consumer.stop();

    const spans = exporter.getFinishedSpans();
    const publish = spans.find((s) => s.name === 'publish shipping.cancel-shipment.v1')!;
    const process_ = spans.find((s) => s.name === 'process shipping.cancel-shipment.v1')!;
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.spanContext().traceId).toBe(writer.traceId);
    expect(publish.parentSpanContext?.spanId).toBe(writer.spanId);
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'rabbitmq', 'messaging.destination.name': queue });
    expect(process_.kind).toBe(SpanKind.CONSUMER);
    expect(process_.parentSpanContext?.spanId).toBe(publish.spanContext().spanId);
    expect(process_.links.map((l) => [l.context.spanId, l.attributes])).toEqual([
      [writer.spanId, { 'messaging.link': 'creation' }],
    ]);
    // The handler runs in the consumer span; the request context's trace id is the span's.
    expect(handled).toEqual([{ traceId: writer.traceId, contextTraceId: writer.traceId }]);
    // Nothing else of this trace: the relay's poll loop made no span of its own.
    expect(
      spans
        .filter((s) => s.spanContext().traceId === writer.traceId)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['POST /orders', 'process shipping.cancel-shipment.v1', 'publish shipping.cancel-shipment.v1']);
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});
