import { Global, Module, type DynamicModule } from '@nestjs/common';
import { MONGO_CLIENT, mongoServiceInfrastructure } from '@refarch/bootstrap/mongodb';
import type { MongoClient } from 'mongodb';
import type { OrderServiceConfig } from '../config.js';
import { MongoOrderStore } from './mongo-order.store.js';
import { ORDER_STORE } from './order.js';

/**
 * The MongoDB adapter of the order store: the platform's MongoDB infrastructure (client, indexes, outbox relay,
 * readiness) and the store on its `orders` collection, whose documents carry their outbox. An unreachable MongoDB
 * means readiness 503 (`mongodb`) and 503s with `Retry-After` from the store-backed routes, until it is reachable.
 */
@Global()
@Module({})
export class MongoStorageModule {
  static forRoot(config: OrderServiceConfig): DynamicModule {
    return {
      module: MongoStorageModule,
      imports: mongoServiceInfrastructure({
        service: 'order-service',
        databaseUrl: config.ORDERS_DB_URL,
        rabbitmqUrl: config.RABBITMQ_URL,
        timeoutMs: config.ORDERS_DB_TIMEOUT_MS,
        outboxCollection: 'orders',
        ensureIndexes: (db) => new MongoOrderStore(db.collection('orders')).ensureIndexes(),
        namespace: config.MESSAGING_NAMESPACE,
      }),
      providers: [
        {
          provide: ORDER_STORE,
          inject: [MONGO_CLIENT],
          useFactory: (client: MongoClient) => new MongoOrderStore(client.db().collection('orders')),
        },
      ],
      exports: [ORDER_STORE],
    };
  }
}
