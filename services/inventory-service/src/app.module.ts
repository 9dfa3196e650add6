import { Global, Module, type DynamicModule } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
import { MIGRATIONS_DIR, type InventoryServiceConfig } from './config.js';
import { InventoryModule } from './inventory/inventory.module.js';

@Global()
@Module({})
export class AppModule {
  static forRoot(config: InventoryServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...postgresServiceInfrastructure({
          service: 'inventory-service',
          databaseUrl: config.DATABASE_URL,
          rabbitmqUrl: config.RABBITMQ_URL,
          migrationsDir: MIGRATIONS_DIR,
          migrateOnStart: config.MIGRATE_ON_START,
          namespace: config.MESSAGING_NAMESPACE,
        }),
        InventoryModule,
      ],
    };
  }
}
