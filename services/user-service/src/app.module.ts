import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HealthModule, postgresCheck } from '@refarch/health';
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
          migrateOnStart: config.MIGRATE_ON_START,
        }),
        HealthModule.forRoot({ inject: [PG_POOL], useFactory: (pool: Pool) => [postgresCheck(pool)] }),
        UsersModule,
      ],
      providers: [{ provide: USER_CONFIG, useValue: config }],
      exports: [USER_CONFIG],
    };
  }
}
