import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { COMMANDS, type Envelope } from '@refarch/contracts';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@refarch/observability';
import type { ConsumeMessage } from 'amqplib';
import type { Registry } from 'prom-client';
import type { AmqpConnectionManager } from './connection.js';
import { MessageConsumer, type HandlerResult, type MessageHandler } from './consumer.js';
import { DlqAdmin, registerDlqGauge } from './dlq.js';
import { BROKER, MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options.js';
import { ON_MESSAGE, type HandlerMetadata } from './on-message.decorator.js';
import { OutboxRelay } from './outbox/relay.js';
import { MessagePublisher } from './publisher.js';
import { queueFor } from './topology.js';

/**
 * Finds every `@OnMessage` handler at bootstrap and runs one consumer per queue (never waiting for the broker for
 * long), starts the outbox relay; at shutdown drains the consumers and the relay before the HTTP server closes, and
 * closes the publisher and the connection last.
 */
@Injectable()
export class ConsumerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly consumers: MessageConsumer[] = [];

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    @Inject(BROKER) private readonly connection: AmqpConnectionManager,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly publisher: MessagePublisher,
    private readonly dlq: DlqAdmin,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay | null,
  ) {}

  async onApplicationBootstrap() {
    const queues = new Map<string, { bindings: Set<string>; handlers: Record<string, MessageHandler> }>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name] as ((...args: unknown[]) => Promise<HandlerResult>) | undefined;
        if (typeof method !== 'function') continue;
        const meta = this.reflector.get<HandlerMetadata | undefined>(ON_MESSAGE, method);
        if (!meta) continue;
        const base = meta.queue ?? this.options.service;
        const queue = queueFor(this.options.namespace, base);
        const entry = queues.get(queue) ?? { bindings: new Set<string>(), handlers: {} };
        if (!COMMANDS.has(meta.type)) entry.bindings.add(meta.type);
        entry.handlers[meta.type] = (envelope: Envelope, message: ConsumeMessage) =>
          method.call(instance, envelope.data, envelope, message);
        queues.set(queue, entry);
      }
    }
    for (const [queue, { bindings, handlers }] of queues) {
      const consumer = new MessageConsumer(this.connection, this.publisher, this.registry, {
        queue,
        bindings: [...bindings],
        handlers,
        ...(this.options.prefetch ? { prefetch: this.options.prefetch } : {}),
        ...(this.options.retryDelaysMs ? { retryDelaysMs: this.options.retryDelaysMs } : {}),
        ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
        onError: (error, envelope) =>
          this.logger.warn(
            { err: error, queue, messageId: envelope?.id, type: envelope?.type },
            'message handling failed',
          ),
      });
      this.consumers.push(consumer);
    }
    registerDlqGauge(this.registry, this.dlq, () => this.consumers.map((c) => c.queue));
    // Wait a little for the subscriptions, so a healthy service is consuming when it starts listening; but never
    // block start-up on the broker: without it the service still serves /health (readiness says the broker is
    // down) and its consumers come up when the connection does.
    const ready = Promise.all(this.consumers.map((c) => c.ready())).then(() => true);
    const subscribed = await Promise.race([
      ready,
      new Promise<false>((r) => setTimeout(() => r(false), 5_000).unref()),
    ]);
    if (!subscribed)
      this.logger.warn('RabbitMQ not reachable yet: starting without consumers; they subscribe once it is');
    await this.relay?.start();
    if (this.consumers.length) this.logger.info({ queues: [...queues.keys()] }, 'consuming');
  }

  // Before the HTTP server closes: stop taking messages, let in-flight handlers finish and ack, stop the relay.
  async beforeApplicationShutdown() {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await this.relay?.stop();
  }

  async onApplicationShutdown() {
    await this.publisher.close();
    await this.connection.close();
  }
}
