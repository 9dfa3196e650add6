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
import { MongoClient } from 'mongodb';
import type { OrderServiceConfig } from '../config.js';
import { MongoOrderStore } from './mongo-order.store.js';
import { ORDER_STORE } from './order.js';

const MONGO = Symbol('MONGO');
const INDEXES = Symbol('MONGO_INDEXES');

/**
 * The MongoDB adapter of the order store, with its outbox relay and readiness. Nothing here waits for the server:
 * the driver connects on first use, so an unreachable MongoDB means readiness 503 (`mongodb`) and 503s with
 * `Retry-After` from the store-backed routes, until it is reachable — then the service is ready, with no restart.
 */
@Global()
@Module({})
export class MongoStorageModule {
  static forRoot(config: OrderServiceConfig): DynamicModule {
    return {
      module: MongoStorageModule,
      imports: [
        MessagingModule.forRoot({
          url: config.RABBITMQ_URL,
          service: 'order-service',
          outbox: 'custom',
          ...(config.MESSAGING_NAMESPACE ? { namespace: config.MESSAGING_NAMESPACE } : {}),
        }),
        HealthModule.forRoot({
          inject: [MONGO, INDEXES, BROKER],
          useFactory: (client: MongoClient, indexes: StartupTask, broker: AmqpConnectionManager) => [
            indexes.readiness(mongoCheck(client)),
            rabbitmqCheck({ isConnected: () => broker.isConnected() }),
          ],
        }),
      ],
      providers: [
        {
          provide: MONGO,
          useFactory: () =>
            new MongoClient(config.ORDERS_DB_URL, {
              // Both bound every operation: no request waits longer than this on a store that does not answer.
              serverSelectionTimeoutMS: Math.min(2_000, config.ORDERS_DB_TIMEOUT_MS),
              timeoutMS: config.ORDERS_DB_TIMEOUT_MS,
            }),
        },
        {
          provide: ORDER_STORE,
          inject: [MONGO],
          useFactory: (client: MongoClient) => new MongoOrderStore(client.db().collection('orders')),
        },
        {
          provide: OUTBOX_STORE,
          inject: [MONGO],
          useFactory: (client: MongoClient) => new MongoOutboxStore(client.db().collection('orders')),
        },
        {
          provide: INDEXES,
          inject: [ORDER_STORE, OUTBOX_STORE, LOGGER],
          useFactory: (orders: MongoOrderStore, outbox: MongoOutboxStore, logger: Logger) =>
            new StartupTask(
              'indexes',
              async () => {
                await orders.ensureIndexes();
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
          inject: [MONGO, INDEXES],
          useFactory: (client: MongoClient, indexes: StartupTask) =>
            new StartupLifecycle(indexes, () => client.close()),
        },
      ],
      // Global, so HealthModule's factory (a module of its own) can inject them (the tokens must be exported).
      exports: [MONGO, INDEXES, ORDER_STORE, OUTBOX_STORE],
    };
  }
}
