import { Global, Module, type DynamicModule } from '@nestjs/common';
import { isDependencyOutage } from '@refarch/errors';
import { HealthModule, mongoCheck, rabbitmqCheck, StartupLifecycle, StartupTask } from '@refarch/health';
import {
  BROKER,
  MessagingModule,
  MongoOutboxStore,
  OUTBOX_STORE,
  type AmqpConnectionManager,
} from '@refarch/messaging';
import { LOGGER, type Logger } from '@refarch/observability';
import { MongoClient, type Db } from 'mongodb';

/** Injection token of the service's MongoClient (its database: `client.db()`, from the URL's path). */
export const MONGO_CLIENT = Symbol('MONGO_CLIENT');
const INDEXES = Symbol('MONGO_INDEXES');

export interface MongoServiceOptions {
  service: string;
  /** `mongodb://…/<database>`. */
  databaseUrl: string;
  rabbitmqUrl: string;
  /** Bounds every operation (the driver's `timeoutMS`; server selection at most 2 s of it). */
  timeoutMs: number;
  /** The collection of the aggregates whose documents carry their outbox (MongoOutboxStore). */
  outboxCollection: string;
  /** The service's own indexes, created at start-up (retried while MongoDB is down) with the outbox's. */
  ensureIndexes?: (db: Db) => Promise<void>;
  namespace?: string | undefined;
}

@Global()
@Module({})
class MongoStorageModule {
  static forRoot(options: MongoServiceOptions): DynamicModule {
    return {
      module: MongoStorageModule,
      providers: [
        {
          provide: MONGO_CLIENT,
          useFactory: () =>
            new MongoClient(options.databaseUrl, {
              // Both bound every operation: no request waits longer than this on a store that does not answer.
              serverSelectionTimeoutMS: Math.min(2_000, options.timeoutMs),
              timeoutMS: options.timeoutMs,
            }),
        },
        {
          provide: OUTBOX_STORE,
          inject: [MONGO_CLIENT],
          useFactory: (client: MongoClient) => new MongoOutboxStore(client.db().collection(options.outboxCollection)),
        },
        {
          provide: INDEXES,
          inject: [MONGO_CLIENT, OUTBOX_STORE, LOGGER],
          useFactory: (client: MongoClient, outbox: MongoOutboxStore, logger: Logger) =>
            new StartupTask(
              'indexes',
              async () => {
                await options.ensureIndexes?.(client.db());
                await outbox.ensureIndexes();
              },
              {
                retryable: isDependencyOutage,
                onRetry: (error, delayMs) =>
                  logger.warn({ err: error, retryInMs: delayMs }, 'MongoDB unavailable: indexes wait'),
              },
            ),
        },
        {
          // MongoDB down at start-up does not stop the service: it listens, readiness fails, the indexes retry.
          provide: StartupLifecycle,
          inject: [MONGO_CLIENT, INDEXES],
          useFactory: (client: MongoClient, indexes: StartupTask) =>
            new StartupLifecycle(indexes, () => client.close()),
        },
      ],
      // Global, so HealthModule's factory (a module of its own) can inject them (the tokens must be exported).
      exports: [MONGO_CLIENT, INDEXES, OUTBOX_STORE],
    };
  }
}

/**
 * The stores of a service on MongoDB that talks over RabbitMQ, in one line of its AppModule — the counterpart of
 * `postgresServiceInfrastructure`: the client (token {@link MONGO_CLIENT}), its indexes as a start-up task, messaging
 * with the MongoDB outbox relay (the outbox lives in the aggregates' documents), and readiness on both. Nothing waits
 * for the server: an unreachable MongoDB means readiness 503 (`mongodb`) until it is reachable, with no restart.
 * There is no inbox on MongoDB: a consumer's handlers must be idempotent on their own.
 * Imported from `@refarch/bootstrap/mongodb`, so services without MongoDB never load its driver.
 */
export function mongoServiceInfrastructure(options: MongoServiceOptions): DynamicModule[] {
  return [
    MongoStorageModule.forRoot(options),
    MessagingModule.forRoot({
      url: options.rabbitmqUrl,
      service: options.service,
      outbox: 'custom',
      ...(options.namespace ? { namespace: options.namespace } : {}),
    }),
    HealthModule.forRoot({
      inject: [MONGO_CLIENT, INDEXES, BROKER],
      useFactory: (client: MongoClient, indexes: StartupTask, broker: AmqpConnectionManager) => [
        indexes.readiness(mongoCheck(client)),
        rabbitmqCheck({ isConnected: () => broker.isConnected() }),
      ],
    }),
  ];
}
