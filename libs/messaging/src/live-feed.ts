import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel } from 'amqplib';
import { parseMessage, type Envelope } from '@refarch/contracts';
import type { AmqpConnectionManager } from './connection.js';
import { declareExchanges, exchangesFor } from './topology.js';

export interface LiveFeedOptions {
  /** Connection/channel label (shown in the RabbitMQ management UI). */
  name: string;
  /** Routing-key patterns bound from the events exchange, e.g. `orders.#`. */
  bindings: readonly string[];
  /** Called for every valid event; invalid messages are passed to `onInvalid` and dropped. */
  onEvent: (envelope: Envelope) => void;
  onInvalid?: (error: string) => void;
  /** Setup failures (a connection lost mid-setup); the feed sets up again on the next connection. */
  onError?: (error: unknown) => void;
  namespace?: string;
  /** Events buffered in the broker for a slow process before the oldest are dropped (default 10 000). */
  maxLength?: number;
}

/**
 * A live, per-process view of events (the gateway's SSE streams, cache invalidation): a server-named, exclusive,
 * auto-deleted queue bound to `bindings`, so *every* replica sees every event — unlike a consumer queue, where
 * replicas compete. It is a view, not a work queue: delivery is at most once (no acks, nothing retried, the queue
 * disappears with the process), so a reader must start from a snapshot of the current state and treat the feed as
 * updates. After a reconnect the queue is declared afresh; events in between are not seen.
 */
export class LiveFeed {
  private readonly channel: ChannelWrapper;
  private queue: string | undefined;

  constructor(connection: AmqpConnectionManager, options: LiveFeedOptions) {
    const exchanges = exchangesFor(options.namespace);
    this.channel = connection.createChannel({
      name: `live:${options.name}`,
      setup: async (channel: Channel) => {
        await declareExchanges(channel, exchanges);
        const { queue } = await channel.assertQueue('', {
          exclusive: true,
          autoDelete: true,
          durable: false,
          arguments: { 'x-max-length': options.maxLength ?? 10_000, 'x-overflow': 'drop-head' },
        });
        for (const key of options.bindings) await channel.bindQueue(queue, exchanges.events, key);
        await channel.consume(
          queue,
          (message) => {
            if (!message) return;
            const parsed = parseMessage(message.content);
            if (parsed.ok) options.onEvent(parsed.envelope);
            else options.onInvalid?.(parsed.error);
          },
          { noAck: true },
        );
        this.queue = queue;
      },
    });
    // Unheard 'error' events would crash the process.
    this.channel.on('error', (error: unknown) => options.onError?.(error));
  }

  /** The current queue's name (server-named; changes after a reconnect). */
  get queueName(): string | undefined {
    return this.queue;
  }

  /** Resolves once the queue is bound and consumed. */
  async ready(): Promise<void> {
    await this.channel.waitForConnect();
  }

  async close(): Promise<void> {
    await this.channel.close();
  }
}
