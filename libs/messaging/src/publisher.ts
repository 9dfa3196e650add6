import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Options } from 'amqplib';
import { parseEnvelope, type Envelope } from '@refarch/contracts';
import {
  activeTraceparent,
  contextOf,
  currentContext,
  inSpan,
  newTraceId,
  sharedMetric,
  SpanKind,
  traceparentFor,
} from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import type { AmqpConnectionManager } from './connection.js';
import { declareExchanges, exchangesFor, HEADERS, queueFor, type Exchanges } from './topology.js';

/** The broker returned a mandatory message: no queue by that name exists. */
export class UnroutableMessageError extends Error {
  constructor(destination: string) {
    super(`message could not be routed to ${destination}: no such queue`);
    this.name = 'UnroutableMessageError';
  }
}

export class InvalidMessageError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidMessageError';
  }
}

export interface PublishOptions {
  headers?: Record<string, unknown>;
}

/**
 * Publishes on a confirm channel: a promise resolves only once the broker has confirmed the message (it is on disk
 * for durable queues). While the connection is down, messages wait and unconfirmed ones are re-sent after the
 * reconnect; `publishTimeoutMs` bounds the wait. Channel backpressure (a full write buffer) is honoured by waiting
 * for `drain`. Every message is validated against its contract first.
 */
export class MessagePublisher {
  private readonly channel: ChannelWrapper;
  private readonly returned = new Set<string>();
  private readonly published: Counter<'type'>;

  private readonly exchanges: Exchanges;

  /** `namespace`: publish to `<ns>.refarch.events` (see exchangesFor). */
  constructor(
    connection: AmqpConnectionManager,
    registry: Registry,
    publishTimeoutMs = 10_000,
    private readonly namespace?: string,
  ) {
    this.exchanges = exchangesFor(namespace);
    this.channel = connection.createChannel({
      name: 'publisher',
      confirm: true,
      publishTimeout: publishTimeoutMs,
      setup: async (channel: ConfirmChannel) => {
        // Returns arrive before the confirm of the same message (AMQP 0-9-1), so publish() can check them.
        channel.on('return', (message: { properties: { messageId?: string } }) => {
          if (message.properties.messageId) this.returned.add(message.properties.messageId);
        });
        await declareExchanges(channel, this.exchanges);
      },
    });
    // A setup interrupted by a lost connection is emitted as 'error'; without a listener it would crash the process.
    // The wrapper sets up again after the reconnect, and publishes wait (or time out) meanwhile: nothing to do here.
    this.channel.on('error', () => undefined);
    this.published = sharedMetric(
      registry,
      'messages_published_total',
      () =>
        new Counter({
          name: 'messages_published_total',
          help: 'Messages confirmed by the broker, by type',
          labelNames: ['type'],
          registers: [registry],
        }),
    );
  }

  /** Publishes an event to `refarch.events` (or the namespace's) with its type as routing key. */
  async publish(envelope: Envelope, options: PublishOptions = {}): Promise<void> {
    this.validate(envelope);
    await this.traced(envelope, options, this.exchanges.events, (properties) =>
      this.channel.publish(this.exchanges.events, envelope.type, this.body(envelope), properties),
    );
    this.published.inc({ type: envelope.type });
  }

  /**
   * Sends a command to one queue, named by its base name (`shipping.commands`): the publisher's namespace is applied,
   * as for `publish`. Default exchange, mandatory: a missing queue is an error, not a silent drop.
   */
  async send(queue: string, envelope: Envelope, options: PublishOptions = {}): Promise<void> {
    this.validate(envelope);
    const destination = queueFor(this.namespace, queue);
    await this.traced(envelope, options, destination, (properties) =>
      this.sendRaw(destination, this.body(envelope), { ...properties, mandatory: true }),
    );
    this.published.inc({ type: envelope.type });
  }

  /** Sends bytes as they are to a queue by its full name, confirmed (retry and dead-letter paths; no validation). */
  async sendRaw(queue: string, content: Buffer, properties: Options.Publish): Promise<void> {
    const messageId = properties.messageId;
    await this.channel.sendToQueue(queue, content, { ...properties, mandatory: true });
    if (messageId && this.returned.delete(messageId)) throw new UnroutableMessageError(queue);
  }

  /** Messages accepted by `publish`/`send` and not yet confirmed. */
  get pending(): number {
    return this.channel.queueLength();
  }

  async close(): Promise<void> {
    await this.channel.close();
  }

  private validate(envelope: Envelope) {
    const parsed = parseEnvelope(envelope);
    if (!parsed.ok) throw new InvalidMessageError(parsed.error);
  }

  /**
   * The producer span of one publish, ended by its confirm. A `traceparent` among the options (an outbox record's:
   * the context it was written in) is its parent, and travels as the creation context consumers link to; otherwise
   * the active context is. amqplib's instrumentation is not used: amqp-connection-manager publishes from a queue of
   * its own, so its spans would hang on whichever context started that queue's worker.
   */
  private traced(
    envelope: Envelope,
    options: PublishOptions,
    destination: string,
    publish: (properties: Options.Publish) => Promise<unknown>,
  ): Promise<unknown> {
    const creation = options.headers?.[HEADERS.traceparent] as string | undefined;
    return inSpan(
      `publish ${envelope.type}`,
      {
        kind: SpanKind.PRODUCER,
        ...(creation ? { parent: contextOf(creation) } : {}),
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'send',
          'messaging.destination.name': destination,
          'messaging.rabbitmq.destination.routing_key': envelope.type,
          'messaging.message.id': envelope.id,
          'messaging.message.conversation_id': envelope.correlationId,
        },
      },
      () => {
        const properties = this.properties(envelope, options);
        const traceparent = activeTraceparent();
        if (traceparent) {
          properties.headers = {
            ...(properties.headers as Record<string, unknown>),
            [HEADERS.traceparent]: traceparent,
            ...(creation ? { [HEADERS.creation]: creation } : {}),
          };
        }
        return publish(properties);
      },
    );
  }

  private body(envelope: Envelope): Buffer {
    return Buffer.from(JSON.stringify(envelope));
  }

  private properties(envelope: Envelope, options: PublishOptions): Options.Publish {
    const traceparent =
      options.headers?.[HEADERS.traceparent] ?? traceparentFor(currentContext()?.traceId ?? newTraceId());
    return {
      messageId: envelope.id,
      type: envelope.type,
      correlationId: envelope.correlationId,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      contentType: 'application/json',
      persistent: true,
      headers: { ...options.headers, [HEADERS.traceparent]: traceparent },
    };
  }
}
