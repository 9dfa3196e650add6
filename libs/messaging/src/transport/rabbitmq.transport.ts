import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler as NestHandler } from '@nestjs/microservices';
import { COMMANDS, isMessageType, type Envelope } from '@refarch/contracts';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@refarch/observability';
import type { ConsumeMessage } from 'amqplib';
import { isObservable, lastValueFrom } from 'rxjs';
import type { Registry } from 'prom-client';
import type { AmqpConnectionManager } from '../connection.js';
import { MessageConsumer, type HandlerResult, type MessageHandler } from '../consumer.js';
import { INBOX, type Inbox, type InboxResult } from '../inbox.js';
import { BROKER, MESSAGING_OPTIONS, type MessagingOptions } from '../messaging.options.js';
import { MessagePublisher } from '../publisher.js';
import { queueFor } from '../topology.js';
import { MessageContext } from './message.context.js';

/** Identifies this transport to Nest (`@EventPattern(type, RABBITMQ_TRANSPORT)` when a service has several). */
export const RABBITMQ_TRANSPORT = Symbol('RABBITMQ_TRANSPORT');

/** Options of `@EventPattern(type, { ... })` this transport reads. */
export interface EventPatternExtras {
  /** The queue to consume the message from; `<service>` by default. Commands are sent to their queue directly. */
  queue?: string;
}

interface QueuePlan {
  bindings: Set<string>;
  handlers: Record<string, MessageHandler>;
}

/**
 * RabbitMQ as a Nest microservice transport (`Server` + `CustomTransportStrategy`), connected as a hybrid app by
 * `@refarch/bootstrap`. Every `@EventPattern('<message type>')` of a controller becomes a handler on one queue.
 * A message is validated against its contract, handled in its correlation and trace context, inside the inbox
 * transaction (at most once per service and message id), and acked only after that transaction committed. A failure
 * goes through the retry queues to the DLQ (all of it in {@link MessageConsumer}). `close()` stops taking messages
 * and lets in-flight handlers finish and ack.
 */
@Injectable()
export class RabbitMqTransport extends Server implements CustomTransportStrategy, BeforeApplicationShutdown {
  override readonly transportId = RABBITMQ_TRANSPORT;
  readonly consumers: MessageConsumer[] = [];
  private closing: Promise<void> | undefined;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Inject(BROKER) private readonly connection: AmqpConnectionManager,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(INBOX) private readonly inbox: Inbox | null,
    private readonly publisher: MessagePublisher,
  ) {
    super();
  }

  /** The queues this service consumes (after `listen`). */
  get queues(): string[] {
    return this.consumers.map((c) => c.queue);
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      for (const [queue, plan] of this.plan()) {
        this.consumers.push(
          new MessageConsumer(this.connection, this.publisher, this.registry, {
            queue,
            bindings: [...plan.bindings],
            handlers: plan.handlers,
            ...(this.options.prefetch ? { prefetch: this.options.prefetch } : {}),
            ...(this.options.retryDelaysMs ? { retryDelaysMs: this.options.retryDelaysMs } : {}),
            ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
            onError: (error, envelope) =>
              this.log.warn(
                { err: error, queue, messageId: envelope?.id, type: envelope?.type },
                'message handling failed',
              ),
          }),
        );
      }
    } catch (error) {
      callback(error);
      return;
    }
    // Wait a little for the subscriptions, so a healthy service is consuming when it starts listening; but never
    // block start-up on the broker: without it the service still serves /health (readiness says the broker is
    // down) and its consumers come up when the connection does.
    const ready = Promise.all(this.consumers.map((c) => c.ready())).then(() => true);
    const subscribed = await Promise.race([
      ready,
      new Promise<false>((r) => setTimeout(() => r(false), 5_000).unref()),
    ]);
    if (!subscribed) this.log.warn('RabbitMQ not reachable yet: starting without consumers; they subscribe once it is');
    if (this.consumers.length) this.log.info({ queues: this.queues }, 'consuming');
    callback();
  }

  /** Graceful stop (idempotent): no new deliveries, in-flight handlers finish and are acked. */
  close(): Promise<void> {
    return (this.closing ??= Promise.all(this.consumers.map((c) => c.stop())).then(() => undefined));
  }

  // Before the HTTP server closes, as the consumers did before they were a transport.
  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  on(): never {
    throw new Error('RabbitMqTransport emits no events; use the broker connection (BROKER) for its state');
  }

  unwrap<T>(): T {
    return this.connection as T;
  }

  /** Groups the registered `@EventPattern` handlers by queue; an unknown message type fails start-up. */
  private plan(): Map<string, QueuePlan> {
    const queues = new Map<string, QueuePlan>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler)
        throw new Error(`@MessagePattern('${pattern}'): RabbitMqTransport carries events and commands only`);
      if (!isMessageType(pattern))
        throw new Error(`@EventPattern('${pattern}'): not a message type of @refarch/contracts`);
      const extras = (handler.extras ?? {}) as EventPatternExtras;
      const queue = queueFor(this.options.namespace, extras.queue ?? this.options.service);
      const plan = queues.get(queue) ?? { bindings: new Set<string>(), handlers: {} };
      if (!COMMANDS.has(pattern)) plan.bindings.add(pattern);
      plan.handlers[pattern] = (envelope, message) => this.handle(handler, envelope, message);
      queues.set(queue, plan);
    }
    return queues;
  }

  /** One delivery: inside the inbox transaction when there is one; the result settles the message. */
  private async handle(handler: NestHandler, envelope: Envelope, message: ConsumeMessage): Promise<HandlerResult> {
    let context: MessageContext | undefined;
    const effects = async (transaction?: MessageContext['transaction']) => {
      context = new MessageContext([envelope, message, transaction]);
      await settled(await handler(envelope.data, context));
    };
    let result: InboxResult = 'processed';
    if (this.inbox) result = await this.inbox.once(this.options.service, envelope.id, effects);
    else await effects();
    context?.runAfterCommit((error) => this.log.warn({ err: error }, 'after-commit work failed'));
    return result;
  }
}

/**
 * A Nest-wrapped handler returns its value, or an Observable (its result, or the error the exception filter
 * produced): wait for it, so a failure rejects and the consumer retries.
 */
async function settled(result: unknown): Promise<void> {
  if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
}
