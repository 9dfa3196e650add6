import amqp, { type ConfirmChannel, type GetMessage } from 'amqplib';
import { amqpConnectOptions } from './connection.js';
import { Gauge, type Registry } from 'prom-client';
import { dlqName, HEADERS } from './topology.js';

export interface DeadLetter {
  messageId: string | undefined;
  type: string | undefined;
  attempts: number | undefined;
  error: string | undefined;
  originalRoutingKey: string | undefined;
  deadLetteredAt: string | undefined;
  body: unknown;
}

function describe(message: GetMessage): DeadLetter {
  const headers = message.properties.headers ?? {};
  let body: unknown = message.content.toString('utf8');
  try {
    body = JSON.parse(body as string);
  } catch {
    // keep the text
  }
  const str = (v: unknown) =>
    typeof v === 'string' ? v : typeof v === 'number' || Buffer.isBuffer(v) ? v.toString() : undefined;
  return {
    messageId: str(message.properties.messageId),
    type: str(message.properties.type),
    attempts: headers[HEADERS.attempt] === undefined ? undefined : Number(headers[HEADERS.attempt]),
    error: str(headers[HEADERS.error]),
    originalRoutingKey: str(headers[HEADERS.originalRoutingKey]),
    deadLetteredAt: str(headers[HEADERS.deadLetteredAt]),
    body,
  };
}

/**
 * Inspects, replays and purges the dead-letter queue of a consumer queue (`<queue>.dlq`). Replay sends each message
 * back to its queue with a fresh attempt count, confirmed before it is removed from the DLQ. Each operation uses a
 * short-lived connection of its own (they are rare, operator-driven, and must not disturb the service's channels).
 */
export class DlqAdmin {
  constructor(private readonly url: string) {}

  /** Up to `limit` messages, oldest first, left in the DLQ. */
  async list(queue: string, limit = 50): Promise<{ queue: string; count: number; messages: DeadLetter[] }> {
    return this.withChannel(async (channel) => {
      const dlq = dlqName(queue);
      const { messageCount } = await channel.checkQueue(dlq);
      const taken: GetMessage[] = [];
      for (let i = 0; i < Math.min(limit, messageCount); i++) {
        const message = await channel.get(dlq, { noAck: false });
        if (!message) break;
        taken.push(message);
      }
      // Put them all back in order (nackAll requeues to the head in delivery order).
      if (taken.length) channel.nack(taken[taken.length - 1]!, true, true);
      return { queue: dlq, count: messageCount, messages: taken.map(describe) };
    });
  }

  /** Moves the messages in the DLQ now (or the first `limit`) back to `queue` with attempt 1; returns how many. */
  async replay(queue: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
    return this.withChannel(async (channel) => {
      const dlq = dlqName(queue);
      // Only what is there now: a message that fails again comes back to the DLQ while we loop.
      const { messageCount } = await channel.checkQueue(dlq);
      const max = Math.min(limit, messageCount);
      let moved = 0;
      while (moved < max) {
        const message = await channel.get(dlq, { noAck: false });
        if (!message) break;
        const headers = { ...message.properties.headers };
        for (const key of [HEADERS.error, HEADERS.deadLetteredAt, 'x-death']) delete headers[key];
        headers[HEADERS.attempt] = 1;
        try {
          channel.sendToQueue(queue, message.content, { ...message.properties, headers, persistent: true });
          await channel.waitForConfirms();
        } catch (error) {
          channel.nack(message, false, true);
          throw error;
        }
        channel.ack(message);
        moved++;
      }
      return moved;
    });
  }

  async purge(queue: string): Promise<number> {
    return this.withChannel(async (channel) => (await channel.purgeQueue(dlqName(queue))).messageCount);
  }

  async count(queue: string): Promise<number> {
    return this.withChannel(async (channel) => (await channel.checkQueue(dlqName(queue))).messageCount);
  }

  private async withChannel<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const connection = await amqp.connect(amqpConnectOptions(this.url), { timeout: 5_000 });
    // A missing queue is a channel error (404) that amqplib also emits on the connection: the operation's promise
    // rejects with it; without these listeners the emit would crash the process.
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      const result = await work(channel);
      // Closing the channel first makes the broker process our acks/nacks before the connection goes.
      await channel.close();
      return result;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}

/** `dlq_messages{queue}`: depth of each DLQ, read from the broker at scrape time. */
export function registerDlqGauge(registry: Registry, admin: DlqAdmin, queues: () => string[]): void {
  if (registry.getSingleMetric('dlq_messages')) return;
  new Gauge({
    name: 'dlq_messages',
    help: 'Messages waiting in each dead-letter queue',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      for (const queue of queues()) {
        const count = await admin.count(queue).catch(() => Number.NaN);
        this.set({ queue }, count);
      }
    },
  });
}
