import { Global, Module, type DynamicModule } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
import { MIGRATIONS_DIR, PAYMENT_CONFIG, type PaymentServiceConfig } from './config.js';
import { PaymentsModule } from './payments/payments.module.js';

@Global()
@Module({})
export class AppModule {
  static forRoot(config: PaymentServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...postgresServiceInfrastructure({
          service: 'payment-service',
          databaseUrl: config.DATABASE_URL,
          rabbitmqUrl: config.RABBITMQ_URL,
          migrationsDir: MIGRATIONS_DIR,
          migrateOnStart: config.MIGRATE_ON_START,
          namespace: config.MESSAGING_NAMESPACE,
        }),
        PaymentsModule,
      ],
      providers: [{ provide: PAYMENT_CONFIG, useValue: config }],
      exports: [PAYMENT_CONFIG],
    };
  }
}
