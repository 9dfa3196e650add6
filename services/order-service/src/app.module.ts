import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
import { PG_POOL, type Pool } from '@refarch/postgres';
import { MIGRATIONS_DIR, ORDER_CONFIG, usesMongo, type OrderServiceConfig } from './config.js';
import { MongoStorageModule } from './orders/mongo-storage.module.js';
import { ORDER_STORE } from './orders/order.js';
import { OrdersModule } from './orders/orders.module.js';
import { PgOrderStore } from './orders/pg-order.store.js';

/** The order store by URL scheme: MongoDB (the seed's Order DB) or PostgreSQL (where no MongoDB exists). */
function storage(config: OrderServiceConfig): { imports: DynamicModule[]; providers: Provider[]; exports: symbol[] } {
  if (usesMongo(config.ORDERS_DB_URL)) {
    return { imports: [MongoStorageModule.forRoot(config)], providers: [], exports: [] };
  }
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
    exports: [ORDER_STORE],
  };
}

@Global()
@Module({})
export class AppModule {
  static forRoot(config: OrderServiceConfig): DynamicModule {
    const { imports, providers, exports } = storage(config);
    return {
      module: AppModule,
      imports: [...imports, OrdersModule],
      providers: [{ provide: ORDER_CONFIG, useValue: config }, ...providers],
      exports: [ORDER_CONFIG, ...exports],
    };
  }
}
