import type { DynamicModule } from '@nestjs/common';
import { HealthModule, rabbitmqCheck } from '@refarch/health';
import {
  BROKER,
  MESSAGING_MIGRATIONS,
  MessagingModule,
  type AmqpConnectionManager,
  type MessagingOptions,
} from '@refarch/messaging';
import { PG_READINESS, PostgresModule, type PostgresReadiness } from '@refarch/postgres';

export interface PostgresServiceOptions {
  service: string;
  databaseUrl: string;
  rabbitmqUrl: string;
  migrationsDir: string;
  migrateOnStart?: boolean;
  /** MESSAGING_NAMESPACE of the platform config (unset = the shared exchanges and queue names). */
  namespace?: string | undefined;
  messaging?: Omit<MessagingOptions, 'url' | 'service' | 'outbox' | 'namespace'>;
}

/**
 * The stores of a service on PostgreSQL that talks over RabbitMQ, in one line of its AppModule: the pool and its
 * migrations (the service's and the outbox/inbox tables), messaging with the PostgreSQL outbox relay, and readiness
 * checking both (PostgreSQL counts as ready once its migrations are applied). `imports: [...postgresServiceInfrastructure({...}), FeatureModule]`.
 */
export function postgresServiceInfrastructure(options: PostgresServiceOptions): DynamicModule[] {
  return [
    PostgresModule.forRoot({
      url: options.databaseUrl,
      applicationName: options.service,
      migrationsDir: options.migrationsDir,
      libraryMigrations: [MESSAGING_MIGRATIONS],
      ...(options.migrateOnStart !== undefined ? { migrateOnStart: options.migrateOnStart } : {}),
    }),
    MessagingModule.forRoot({
      ...options.messaging,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      url: options.rabbitmqUrl,
      service: options.service,
      outbox: 'postgres',
    }),
    HealthModule.forRoot({
      inject: [PG_READINESS, BROKER],
      useFactory: (postgres: PostgresReadiness, broker: AmqpConnectionManager) => [
        postgres.check(),
        rabbitmqCheck({ isConnected: () => broker.isConnected() }),
      ],
    }),
  ];
}
