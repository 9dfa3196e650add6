import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { createEnvelope, type Envelope } from '@refarch/contracts';
import pg from 'pg';
import { DEFAULT_RETRY_DELAYS_MS, dlqName, retryQueueName } from '../src/index.js';

export const uniqueQueue = (label: string) => `test.${label}.${randomBytes(4).toString('hex')}`;

/** A valid command for the tests: the payload is the order id, so effects can be keyed by it. */
export function testMessage(n: number, correlationId = 'test'): Envelope {
  return createEnvelope('shipping.cancel-shipment.v1', { orderId: `order-${n}`, reason: 'test' }, { correlationId });
}

/** Deletes a test queue with its retry queues and DLQ. */
export async function deleteQueues(
  url: string,
  queue: string,
  retries = DEFAULT_RETRY_DELAYS_MS.length,
): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    for (const name of [
      queue,
      dlqName(queue),
      ...Array.from({ length: retries }, (_, i) => retryQueueName(queue, i + 1)),
    ]) {
      await channel.deleteQueue(name);
    }
  } finally {
    await connection.close();
  }
}

export async function queueDepth(url: string, queue: string): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

export { eventually } from '@refarch/testing';

/** An effects table for handlers: one row per application of a message's effect (duplicates would show). */
export async function createEffectsTable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `CREATE TABLE IF NOT EXISTS effects (seq bigserial PRIMARY KEY, message_id uuid NOT NULL, order_id text NOT NULL)`,
  );
  await client.end();
}

export async function effectCounts(pool: pg.Pool): Promise<{ total: number; distinct: number }> {
  const { rows } = await pool.query<{ total: string; distinct: string }>(
    `SELECT count(*)::text AS total, count(DISTINCT message_id)::text AS distinct FROM effects`,
  );
  return { total: Number(rows[0]!.total), distinct: Number(rows[0]!.distinct) };
}
