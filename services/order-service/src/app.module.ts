import { Global, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { HealthModule, mongoCheck, rabbitmqCheck } from '@refarch/health';
import {
  BROKER,
  MessagingModule,
  MongoOutboxStore,
  OUTBOX_STORE,
  postgresServiceInfrastructure,
  type AmqpConnectionManager,
} from '@refarch/messaging';
import { PG_POOL, type Pool } from '@refarch/postgres';
import { MongoClient } from 'mongodb';
import { MIGRATIONS_DIR, ORDER_CONFIG, usesMongo, type OrderServiceConfig } from './config.js';
import { MongoOrderStore } from './orders/mongo-order.store.js';
import { ORDER_STORE } from './orders/order.js';
import { OrdersModule } from './orders/orders.module.js';
import { PgOrderStore } from './orders/pg-order.store.js';

const MONGO = Symbol('MONGO');

class MongoLifecycle implements OnApplicationShutdown {
  constructor(private readonly client: MongoClient) {}
  async onApplicationShutdown() {
    await this.client.close();
  }
}

/** The order store by URL scheme: MongoDB (the seed's Order DB) or PostgreSQL (where no MongoDB exists). */
function storage(config: OrderServiceConfig): { imports: DynamicModule[]; providers: Provider[] } {
  if (!usesMongo(config.ORDERS_DB_URL)) {
    return {
      imports: postgresServiceInfrastructure({
        service: 'order-service',
        databaseUrl: config.ORDERS_DB_URL,
        rabbitmqUrl: config.RABBITMQ_URL,
        migrationsDir: MIGRATIONS_DIR,
        migrateOnStart: config.MIGRATE_ON_START,
        namespace: config.MESSAGING_NAMESPACE,
      }),
      providers: [{ provide: ORDER_STORE, inject: [PG_POOL], useFactory: (pool: Pool) => new PgOrderStore(pool) }],
    };
  }
  return {
    imports: [
      MessagingModule.forRoot({
        url: config.RABBITMQ_URL,
        service: 'order-service',
        outbox: 'custom',
        ...(config.MESSAGING_NAMESPACE ? { namespace: config.MESSAGING_NAMESPACE } : {}),
      }),
      HealthModule.forRoot({
        inject: [MONGO, BROKER],
        useFactory: (client: MongoClient, broker: AmqpConnectionManager) => [
          mongoCheck(client),
          rabbitmqCheck({ isConnected: () => broker.isConnected() }),
        ],
      }),
    ],
    providers: [
      {
        provide: MONGO,
        useFactory: async () => {
          const client = new MongoClient(config.ORDERS_DB_URL, { serverSelectionTimeoutMS: 2_000 });
          await client.connect();
          return client;
        },
      },
      { provide: MongoLifecycle, inject: [MONGO], useFactory: (client: MongoClient) => new MongoLifecycle(client) },
      {
        provide: ORDER_STORE,
        inject: [MONGO],
        useFactory: async (client: MongoClient) => {
          const store = new MongoOrderStore(client.db().collection('orders'));
          await store.ensureIndexes();
          return store;
        },
      },
      {
        provide: OUTBOX_STORE,
        inject: [MONGO],
        useFactory: (client: MongoClient) => new MongoOutboxStore(client.db().collection('orders')),
      },
    ],
  };
}

@Global()
@Module({})
export class AppModule {
  static forRoot(config: OrderServiceConfig): DynamicModule {
    const { imports, providers } = storage(config);
    return {
      module: AppModule,
      imports: [...imports, OrdersModule],
      providers: [{ provide: ORDER_CONFIG, useValue: config }, ...providers],
      exports: [ORDER_CONFIG, ORDER_STORE, ...(usesMongo(config.ORDERS_DB_URL) ? [OUTBOX_STORE] : [])],
    };
  }
}
