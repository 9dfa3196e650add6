import { Global, Module, type DynamicModule } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
import { MIGRATIONS_DIR, type WorkersConfig } from './config.js';
import { ShippingModule } from './shipping/shipping.module.js';

const ROLES = { shipping: ShippingModule } as const;

/** One image, one role per process: the role's feature module plus the stores and messaging every role uses. */
@Global()
@Module({})
export class AppModule {
  static forRoot(config: WorkersConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...postgresServiceInfrastructure({
          service: `${config.WORKER_ROLE}-worker`,
          databaseUrl: config.DATABASE_URL,
          rabbitmqUrl: config.RABBITMQ_URL,
          migrationsDir: MIGRATIONS_DIR,
          migrateOnStart: config.MIGRATE_ON_START,
          namespace: config.MESSAGING_NAMESPACE,
        }),
        ROLES[config.WORKER_ROLE],
      ],
    };
  }
}
