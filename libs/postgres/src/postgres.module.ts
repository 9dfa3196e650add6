import {
  Global,
  Inject,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { LOGGER, type Logger } from '@refarch/observability';
import type pg from 'pg';
import { migrate } from './migrations.js';
import { createPool } from './pool.js';

/** Injection token of the service's pg pool. */
export const PG_POOL = Symbol('PG_POOL');
const OPTIONS = Symbol('POSTGRES_OPTIONS');

export interface PostgresModuleOptions {
  url: string;
  applicationName: string;
  /** Folder of the service's SQL migrations. */
  migrationsDir: string;
  /** Migration sets of libraries the service uses (e.g. the messaging outbox), each with its own table. */
  libraryMigrations?: { dir: string; table: string }[];
  /** Apply pending migrations before the service starts listening (default true). */
  migrateOnStart?: boolean;
  poolMax?: number;
}

class PostgresLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(OPTIONS) private readonly options: PostgresModuleOptions,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit() {
    if (this.options.migrateOnStart === false) return;
    const log = (message: string) => this.logger.info({ component: 'migrations' }, message);
    for (const set of this.options.libraryMigrations ?? []) {
      await migrate({ databaseUrl: this.options.url, dir: set.dir, table: set.table, log });
    }
    await migrate({ databaseUrl: this.options.url, dir: this.options.migrationsDir, log });
  }

  // Runs after the HTTP server has drained, so in-flight requests still have their connections.
  async onApplicationShutdown() {
    await this.pool.end();
  }
}

/** A global pg pool for the service (token {@link PG_POOL}), migrations on start, and the pool closed on shutdown. */
@Global()
@Module({})
export class PostgresModule {
  static forRoot(options: PostgresModuleOptions): DynamicModule {
    return {
      module: PostgresModule,
      providers: [
        { provide: OPTIONS, useValue: options },
        {
          provide: PG_POOL,
          inject: [LOGGER],
          useFactory: (logger: Logger) =>
            createPool(options.url, {
              applicationName: options.applicationName,
              ...(options.poolMax ? { max: options.poolMax } : {}),
              onError: (error) => logger.warn({ err: error }, 'postgres connection lost'),
            }),
        },
        PostgresLifecycle,
      ],
      exports: [PG_POOL],
    };
  }
}
