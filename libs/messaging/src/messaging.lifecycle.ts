import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { METRICS_REGISTRY } from '@refarch/observability';
import type { Registry } from 'prom-client';
import type { AmqpConnectionManager } from './connection.js';
import { DlqAdmin, registerDlqGauge } from './dlq.js';
import { BROKER } from './messaging.options.js';
import { OutboxRelay } from './outbox/relay.js';
import { MessagePublisher } from './publisher.js';
import { RabbitMqTransport } from './transport/rabbitmq.transport.js';

/**
 * Starts the outbox relay and the DLQ depth gauge at bootstrap; at shutdown drains the consumers (the transport),
 * then the relay, before the HTTP server closes, and closes the publisher and the connection last.
 */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(BROKER) private readonly connection: AmqpConnectionManager,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly publisher: MessagePublisher,
    private readonly dlq: DlqAdmin,
    private readonly transport: RabbitMqTransport,
    @Inject(OutboxRelay) private readonly relay: OutboxRelay | null,
  ) {}

  async onApplicationBootstrap() {
    registerDlqGauge(this.registry, this.dlq, () => this.transport.queues);
    await this.relay?.start();
  }

  async beforeApplicationShutdown() {
    await this.transport.close();
    await this.relay?.stop();
  }

  async onApplicationShutdown() {
    await this.publisher.close();
    await this.connection.close();
  }
}
