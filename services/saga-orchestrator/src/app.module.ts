import { Global, Module, type DynamicModule } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
import { MIGRATIONS_DIR, SAGA_CONFIG, type SagaConfig } from './config.js';
import { SagaModule } from './sagas/saga.module.js';

@Global()
@Module({})
export class AppModule {
  static forRoot(config: SagaConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...postgresServiceInfrastructure({
          service: 'saga-orchestrator',
          databaseUrl: config.DATABASE_URL,
          rabbitmqUrl: config.RABBITMQ_URL,
          migrationsDir: MIGRATIONS_DIR,
          migrateOnStart: config.MIGRATE_ON_START,
          namespace: config.MESSAGING_NAMESPACE,
        }),
        SagaModule,
      ],
      providers: [{ provide: SAGA_CONFIG, useValue: config }],
      exports: [SAGA_CONFIG],
    };
  }
}
