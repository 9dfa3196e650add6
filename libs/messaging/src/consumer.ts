import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import { parseMessage, type Envelope } from '@refarch/contracts';
import {
  activeTraceId,
  contextOf,
  inSpan,
  linkTo,
  runWithContext,
  sharedMetric,
  SpanKind,
  traceIdFrom,
} from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import type { AmqpConnectionManager } from './connection.js';
import type { MessagePublisher } from './publisher.js';
import { declareQueue, DEFAULT_RETRY_DELAYS_MS, dlqName, exchangesFor, HEADERS, retryQueueName } from './topology.js';

/** What a handler may return: `duplicate` when its inbox found the message already handled. */
export type HandlerResult = void | 'processed' | 'duplicate';
export type MessageHandler = (envelope: Envelope, message: ConsumeMessage) => Promise<HandlerResult>;

export interface ConsumerOptions {
  queue: string;
  /** Event types bound to the queue; a command queue has none. */
  bindings: readonly string[];
  /** One handler per message type; a type without one is dead-lettered as unexpected. */
  handlers: Record<string, MessageHandler>;
  /** Unacknowledged messages in flight at once (default 10). */
  prefetch?: number;
  /** Delays of the retries (default 1 s, 5 s, 30 s); attempts in all = delays + 1. */
  retryDelaysMs?: readonly number[];
  onError?: (error: unknown, envelope?: Envelope) => void;
  /** Bind to `<ns>.refarch.events` instead of the shared exchange (the queue name is the caller's). */
  namespace?: string;
}

export type ConsumeOutcome = 'processed' | 'duplicate' | 'retry' | 'dead_lettered' | 'invalid';

/** The routing key the message first arrived with (retries travel through the default exchange). */
function originalRoutingKey(message: ConsumeMessage): string {
  const kept: unknown = message.properties.headers?.[HEADERS.originalRoutingKey];
  return typeof kept === 'string' ? kept : message.fields.routingKey;
}

/** Error text kept in headers: enough to diagnose, short enough for a header. */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 1_000);
}

/**
 * Consumes one queue: validates every message against its contract (invalid → DLQ at once), runs the handler in the
 * message's correlation/trace context, and acks only after the handler resolved — i.e. after its transaction
 * committed. A failure goes to the next retry queue (growing TTL, then back to this queue) with the attempt count and
 * error in headers, then to the DLQ; the republish is confirmed before the original is acked, so a crash in between
 * only causes a redelivery, which the handler's inbox absorbs.
 */
export class MessageConsumer {
  private readonly channel: ChannelWrapper;
  private readonly retryDelays: readonly number[];
  private readonly inFlight = new Set<Promise<void>>();
  private consumerTag: string | undefined;
  private live: ConfirmChannel | undefined;
  private stopping = false;
  private readonly consumed: Counter<'queue' | 'outcome'>;

  constructor(
    connection: AmqpConnectionManager,
    private readonly publisher: MessagePublisher,
    registry: Registry,
    private readonly options: ConsumerOptions,
  ) {
    this.retryDelays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.consumed = sharedMetric(
      registry,
      'messages_consumed_total',
      () =>
        new Counter({
          name: 'messages_consumed_total',
          help: 'Messages consumed, by queue and outcome (processed, duplicate, retry, dead_lettered, invalid)',
          labelNames: ['queue', 'outcome'],
          registers: [registry],
        }),
    );
    this.channel = connection.createChannel({
      name: `consumer:${options.queue}`,
      confirm: true,
      // Re-run after every reconnect: topology, prefetch and the subscription come back by themselves.
      setup: async (channel: ConfirmChannel) => {
        await declareQueue(channel, {
          queue: options.queue,
          bindings: options.bindings,
          retryDelaysMs: this.retryDelays,
          exchanges: exchangesFor(options.namespace),
        });
        if (this.stopping) return;
        await channel.prefetch(options.prefetch ?? 10);
        const { consumerTag } = await channel.consume(options.queue, (message) => {
          if (message) this.track(this.onMessage(channel, message));
        });
        this.consumerTag = consumerTag;
        this.live = channel;
      },
    });
    // Setup failures (a connection lost mid-setup, a queue declared with other arguments) arrive as 'error' events:
    // unheard, they would crash the process. The wrapper sets up again on the next connection.
    this.channel.on('error', (error: unknown) => options.onError?.(error));
  }

  /** Resolves once the queues are declared and the subscription is active. */
  async ready(): Promise<void> {
    await this.channel.waitForConnect();
  }

  get queue(): string {
    return this.options.queue;
  }

  /** Graceful stop: no new deliveries, in-flight handlers finish and are acked, then the channel closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.live && this.consumerTag) await this.live.cancel(this.consumerTag).catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
    await this.channel.close();
  }

  private track(work: Promise<void>) {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onMessage(channel: ConfirmChannel, message: ConsumeMessage): Promise<void> {
    const headers = message.properties.headers ?? {};
    const attempt = Number(headers[HEADERS.attempt] ?? 1) || 1;
    const parsed = parseMessage(message.content);
    if (!parsed.ok) {
      await this.settle(channel, message, 'invalid', () => this.deadLetter(message, attempt, parsed.error));
      return;
    }
    const envelope = parsed.envelope;
    const handler = this.options.handlers[envelope.type];
    if (!handler) {
      await this.settle(channel, message, 'invalid', () =>
        this.deadLetter(message, attempt, `no handler for ${envelope.type} on ${this.options.queue}`),
      );
      return;
    }
    const traceparent = headers[HEADERS.traceparent] as string | undefined;
    try {
      // The consumer span: a child of the producer span, linked to the context the message was created in (an
      // outbox record's writer), as the messaging semantic conventions have it.
      const result = await inSpan(
        `process ${envelope.type}`,
        {
          kind: SpanKind.CONSUMER,
          parent: contextOf(traceparent),
          links: linkTo(headers[HEADERS.creation] as string | undefined, { 'messaging.link': 'creation' }),
          attributes: {
            'messaging.system': 'rabbitmq',
            'messaging.operation.type': 'process',
            'messaging.destination.name': this.options.queue,
            'messaging.message.id': envelope.id,
            'messaging.message.conversation_id': envelope.correlationId,
            'messaging.rabbitmq.attempt': attempt,
          },
        },
        () =>
          runWithContext(
            { correlationId: envelope.correlationId, traceId: activeTraceId() ?? traceIdFrom(traceparent) },
            () => handler(envelope, message),
          ),
      );
      this.ack(channel, message, result === 'duplicate' ? 'duplicate' : 'processed');
    } catch (error) {
      this.options.onError?.(error, envelope);
      if (attempt <= this.retryDelays.length) {
        await this.settle(channel, message, 'retry', () =>
          this.publisher.sendRaw(retryQueueName(this.options.queue, attempt), message.content, {
            ...message.properties,
            headers: {
              ...headers,
              [HEADERS.attempt]: attempt + 1,
              [HEADERS.error]: describe(error),
              [HEADERS.originalRoutingKey]: originalRoutingKey(message),
              [HEADERS.originalQueue]: this.options.queue,
            },
          }),
        );
      } else {
        await this.settle(channel, message, 'dead_lettered', () => this.deadLetter(message, attempt, describe(error)));
      }
    }
  }

  private deadLetter(message: ConsumeMessage, attempt: number, error: string): Promise<void> {
    const headers = message.properties.headers ?? {};
    return this.publisher.sendRaw(dlqName(this.options.queue), message.content, {
      ...message.properties,
      headers: {
        ...headers,
        [HEADERS.attempt]: attempt,
        [HEADERS.error]: error.slice(0, 1_000),
        [HEADERS.originalRoutingKey]: originalRoutingKey(message),
        [HEADERS.originalQueue]: this.options.queue,
        [HEADERS.deadLetteredAt]: new Date().toISOString(),
      },
    });
  }

  /** Acks after `republish` was confirmed; if it fails the message is left unacked and will be redelivered. */
  private async settle(
    channel: ConfirmChannel,
    message: ConsumeMessage,
    outcome: ConsumeOutcome,
    republish: () => Promise<void>,
  ) {
    try {
      await republish();
      this.ack(channel, message, outcome);
    } catch (error) {
      this.options.onError?.(error);
      try {
        channel.nack(message, false, true);
      } catch {
        // channel already closed: the broker redelivers
      }
    }
  }

  private ack(channel: ConfirmChannel, message: ConsumeMessage, outcome: ConsumeOutcome) {
    try {
      channel.ack(message);
      this.consumed.inc({ queue: this.options.queue, outcome });
    } catch {
      // The channel this message came on is gone (connection lost): it will be redelivered on the new one.
    }
  }
}
