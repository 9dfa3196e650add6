import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@refarch/observability';
import { PG_POOL, type Pool } from '@refarch/postgres';
import type { Registry } from 'prom-client';
import { connectBroker, type AmqpConnectionManager } from './connection.js';
import { DlqController } from './dlq.controller.js';
import { DlqAdmin } from './dlq.js';
import { INBOX, PgInbox } from './inbox.js';
import { MessagingLifecycle } from './messaging.lifecycle.js';
import { BROKER, MESSAGING_OPTIONS, OUTBOX_STORE, type MessagingOptions } from './messaging.options.js';
import { PgOutboxStore } from './outbox/pg-outbox.js';
import { OutboxRelay, type OutboxStore, type RelayOptions } from './outbox/relay.js';
import { MessagePublisher } from './publisher.js';
import { RabbitMqTransport } from './transport/rabbitmq.transport.js';

/**
 * RabbitMQ for one service: the connection (token {@link BROKER}), `MessagePublisher`, the Nest transport
 * (`RabbitMqTransport`: consumers for every `@EventPattern` handler, the inbox when `outbox: 'postgres'`), the PostgreSQL outbox relay (`outbox: 'postgres'`), and `/admin/dlq/:queue` (list, replay,
 * purge; admin token). Shutdown: consumers drain before the HTTP server closes, the connection closes last.
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    const relayOptions = (logger: Logger): RelayOptions => ({
      ...options.relay,
      onError: (error) => logger.warn({ err: error }, 'outbox relay: publish failed, will retry'),
    });
    const relay: Provider =
      options.outbox === 'postgres'
        ? {
            provide: OutboxRelay,
            inject: [PG_POOL, MessagePublisher, METRICS_REGISTRY, LOGGER],
            useFactory: (pool: Pool, publisher: MessagePublisher, registry: Registry, logger: Logger) =>
              new OutboxRelay(
                new PgOutboxStore(pool, (pool.options as { connectionString?: string }).connectionString),
                publisher,
                registry,
                relayOptions(logger),
              ),
          }
        : options.outbox === 'custom'
          ? {
              provide: OutboxRelay,
              inject: [OUTBOX_STORE, MessagePublisher, METRICS_REGISTRY, LOGGER],
              useFactory: (store: OutboxStore, publisher: MessagePublisher, registry: Registry, logger: Logger) =>
                new OutboxRelay(store, publisher, registry, relayOptions(logger)),
            }
          : { provide: OutboxRelay, useValue: null };
    return {
      module: MessagingModule,
      controllers: [DlqController],
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: BROKER,
          inject: [LOGGER],
          useFactory: (logger: Logger) =>
            connectBroker(options.url, {
              name: options.service,
              onStateChange: (state, error) =>
                state === 'connected'
                  ? logger.info('connected to RabbitMQ')
                  : logger.warn({ err: error?.message }, 'RabbitMQ connection lost; reconnecting'),
            }),
        },
        {
          provide: MessagePublisher,
          inject: [BROKER, METRICS_REGISTRY],
          useFactory: (connection: AmqpConnectionManager, registry: Registry) =>
            new MessagePublisher(connection, registry, options.publishTimeoutMs, options.namespace),
        },
        { provide: DlqAdmin, useFactory: () => new DlqAdmin(options.url) },
        relay,
        options.outbox === 'postgres'
          ? { provide: INBOX, inject: [PG_POOL], useFactory: (pool: Pool) => new PgInbox(pool) }
          : { provide: INBOX, useValue: null },
        RabbitMqTransport,
        MessagingLifecycle,
      ],
      exports: [BROKER, MessagePublisher, DlqAdmin, RabbitMqTransport],
    };
  }
}
