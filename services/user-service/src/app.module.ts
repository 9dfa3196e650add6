import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthModule, postgresCheck, rabbitmqCheck } from '@refarch/health';
import { BROKER, MESSAGING_MIGRATIONS, MessagingModule, type AmqpConnectionManager } from '@refarch/messaging';
import { PG_POOL, PostgresModule, type Pool } from '@refarch/postgres';
import { MIGRATIONS_DIR, type UserServiceConfig } from './config.js';
import { USER_CONFIG } from './tokens.js';
import { UsersModule } from './users/users.module.js';

@Global()
@Module({})
export class AppModule {
  static forRoot(config: UserServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PostgresModule.forRoot({
          url: config.DATABASE_URL,
          applicationName: 'user-service',
          migrationsDir: MIGRATIONS_DIR,
          libraryMigrations: [MESSAGING_MIGRATIONS],
          migrateOnStart: config.MIGRATE_ON_START,
        }),
        MessagingModule.forRoot({ url: config.RABBITMQ_URL, service: 'user-service', outbox: 'postgres' }),
        HealthModule.forRoot({
          inject: [PG_POOL, BROKER],
          useFactory: (pool: Pool, broker: AmqpConnectionManager) => [
            postgresCheck(pool),
            rabbitmqCheck({ isConnected: () => broker.isConnected() }),
          ],
        }),
        UsersModule,
      ],
      providers: [{ provide: USER_CONFIG, useValue: config }],
      exports: [USER_CONFIG],
    };
  }
}
