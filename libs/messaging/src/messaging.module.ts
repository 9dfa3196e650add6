import {
  Controller,
  Delete,
  Get,
  Global,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  Query,
  SetMetadata,
  UseGuards,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { COMMANDS, type Envelope, type MessageType } from '@refarch/contracts';
import { NotFoundError } from '@refarch/errors';
import { LOGGER, METRICS_REGISTRY, type Logger } from '@refarch/observability';
import { PG_POOL, type Pool } from '@refarch/postgres';
import { AdminTokenGuard } from '@refarch/resilience';
import type { ConsumeMessage } from 'amqplib';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { connectBroker, type AmqpConnectionManager } from './connection.js';
import { MessageConsumer, type HandlerResult, type MessageHandler } from './consumer.js';
import { DlqAdmin, registerDlqGauge } from './dlq.js';
import { MESSAGING_MIGRATIONS_DIR, MESSAGING_MIGRATIONS_TABLE, PgOutboxStore } from './outbox/pg-outbox.js';
import { OutboxRelay, type OutboxStore, type RelayOptions } from './outbox/relay.js';
import { MessagePublisher } from './publisher.js';
import { queueFor } from './topology.js';

/** Injection token of the service's broker connection (amqp-connection-manager). */
export const BROKER = Symbol('BROKER');
/** Injection token a service provides its own outbox store under (`outbox: 'custom'`, e.g. MongoOutboxStore). */
export const OUTBOX_STORE = Symbol('OUTBOX_STORE');
const OPTIONS = Symbol('MESSAGING_OPTIONS');
const ON_MESSAGE = Symbol('ON_MESSAGE');

/** The messaging tables' migrations, for `PostgresModule.forRoot({ libraryMigrations: [MESSAGING_MIGRATIONS] })`. */
export const MESSAGING_MIGRATIONS = { dir: MESSAGING_MIGRATIONS_DIR, table: MESSAGING_MIGRATIONS_TABLE };

export interface MessagingOptions {
  url: string;
  /** This service's name: connection name, and the default queue (`<service>`). */
  service: string;
  /**
   * Run an outbox relay in this service: `postgres` (needs PostgresModule with MESSAGING_MIGRATIONS), or `custom`
   * for a store the service provides under {@link OUTBOX_STORE} (e.g. a MongoOutboxStore).
   */
  outbox?: 'postgres' | 'custom';
  relay?: RelayOptions;
  prefetch?: number;
  retryDelaysMs?: number[];
  publishTimeoutMs?: number;
  /**
   * Isolates this service's messaging on a shared broker: exchanges `<ns>.refarch.events` / `<ns>.refarch.unrouted`
   * and queues `<ns>.<queue>`. Every service of one stack uses the same namespace (MESSAGING_NAMESPACE); senders of
   * commands prefix the queue with it.
   */
  namespace?: string;
}

interface HandlerMetadata {
  type: MessageType;
  queue?: string;
}

/**
 * Marks a provider method as the handler of one message type: `@OnMessage('orders.order-created.v1')`.
 * The method gets `(data, envelope, message)`; make its effects idempotent with `handleOnce()` (the inbox) and
 * return its result, so duplicates are counted as such. Events bind the queue to their routing key; commands are
 * sent to the queue directly. Queue: `<service>` unless `{ queue }` says otherwise.
 */
export const OnMessage = (type: MessageType, options: { queue?: string } = {}) =>
  SetMetadata(ON_MESSAGE, { type, ...options } satisfies HandlerMetadata);

@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly consumers: MessageConsumer[] = [];

  constructor(
    @Inject(OPTIONS) private readonly options: MessagingOptions,
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

@Controller('admin/dlq')
@UseGuards(AdminTokenGuard)
class DlqController {
  constructor(
    private readonly dlq: DlqAdmin,
    private readonly lifecycle: MessagingLifecycle,
  ) {}

  private known(queue: string): string {
    if (!this.lifecycle.consumers.some((c) => c.queue === queue)) {
      throw new NotFoundError('MESSAGING.UNKNOWN_QUEUE', `This service consumes no queue named ${queue}`);
    }
    return queue;
  }

  @Get()
  queues() {
    return { queues: this.lifecycle.consumers.map((c) => c.queue) };
  }

  @Get(':queue')
  list(@Param('queue') queue: string, @Query('limit') limit?: string) {
    const n = z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .catch(50)
      .parse(limit ?? 50);
    return this.dlq.list(this.known(queue), n);
  }

  @Post(':queue/replay')
  async replay(@Param('queue') queue: string) {
    return { replayed: await this.dlq.replay(this.known(queue)) };
  }

  @Delete(':queue')
  async purge(@Param('queue') queue: string) {
    return { purged: await this.dlq.purge(this.known(queue)) };
  }
}

/**
 * RabbitMQ for one service: the connection (token {@link BROKER}), `MessagePublisher`, consumers for every
 * `@OnMessage` handler, the PostgreSQL outbox relay (`outbox: 'postgres'`), and `/admin/dlq/:queue` (list, replay,
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
      imports: [DiscoveryModule],
      controllers: [DlqController],
      providers: [
        { provide: OPTIONS, useValue: options },
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
        MessagingLifecycle,
      ],
      exports: [BROKER, MessagePublisher, DlqAdmin],
    };
  }
}
