import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
import { migrationsDir, WORKERS_CONFIG, type WorkerRole, type WorkersConfig } from './config.js';
import { ShippingModule } from './shipping/shipping.module.js';
import { NotificationModule } from './notification/notification.module.js';
import { AnalyticsModule } from './analytics/analytics.module.js';

/** Each role's feature module; `npx nx g @refarch/plugin:service <role> --worker` adds one above the marker. */
const ROLES: Record<WorkerRole, Type> = {
  shipping: ShippingModule,
  notification: NotificationModule,
  analytics: AnalyticsModule,
  // generated roles
};

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
          migrationsDir: migrationsDir(config.WORKER_ROLE),
          migrateOnStart: config.MIGRATE_ON_START,
          namespace: config.MESSAGING_NAMESPACE,
          ...(config.MESSAGE_RETRY_DELAYS_MS ? { messaging: { retryDelaysMs: config.MESSAGE_RETRY_DELAYS_MS } } : {}),
        }),
        ROLES[config.WORKER_ROLE],
      ],
      providers: [{ provide: WORKERS_CONFIG, useValue: config }],
      exports: [WORKERS_CONFIG],
    };
  }
}
