import { Global, Module, type DynamicModule } from '@nestjs/common';
import { postgresServiceInfrastructure } from '@refarch/bootstrap';
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
        ...postgresServiceInfrastructure({
          service: 'user-service',
          databaseUrl: config.DATABASE_URL,
          rabbitmqUrl: config.RABBITMQ_URL,
          migrationsDir: MIGRATIONS_DIR,
          migrateOnStart: config.MIGRATE_ON_START,
          namespace: config.MESSAGING_NAMESPACE,
        }),
        UsersModule,
      ],
      providers: [{ provide: USER_CONFIG, useValue: config }],
      exports: [USER_CONFIG],
    };
  }
}
