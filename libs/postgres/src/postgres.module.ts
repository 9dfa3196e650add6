import { Global, Module, type DynamicModule } from '@nestjs/common';
import { isDependencyOutage } from '@refarch/errors';
import { postgresCheck, StartupLifecycle, StartupTask, type ReadinessCheck } from '@refarch/health';
import { LOGGER, type Logger } from '@refarch/observability';
import type pg from 'pg';
import { migrate } from './migrations.js';
import { createPool } from './pool.js';

/** Injection token of the service's pg pool. */
export const PG_POOL = Symbol('PG_POOL');
/** Injection token of the {@link PostgresReadiness} of the service's database (for its HealthModule). */
export const PG_READINESS = Symbol('PG_READINESS');
const MIGRATIONS = Symbol('PG_MIGRATIONS');

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

/** Readiness of the service's database: its migrations have been applied, and it answers `SELECT 1`. */
export interface PostgresReadiness {
  check(name?: string): ReadinessCheck;
}

function migrationsTask(options: PostgresModuleOptions, logger: Logger): StartupTask {
  const log = (message: string) => logger.info({ component: 'migrations' }, message);
  return new StartupTask(
    'migrations',
    async () => {
      if (options.migrateOnStart === false) return;
      for (const set of options.libraryMigrations ?? []) {
        await migrate({ databaseUrl: options.url, dir: set.dir, table: set.table, log });
      }
      await migrate({ databaseUrl: options.url, dir: options.migrationsDir, log });
    },
    {
      retryable: isDependencyOutage,
      onRetry: (error, delayMs) =>
        logger.warn(
          { component: 'migrations', err: error, retryInMs: delayMs },
          'PostgreSQL unavailable: migrations wait',
        ),
    },
  );
}

/**
 * A global pg pool for the service (token {@link PG_POOL}), migrations on start, and the pool closed on shutdown.
 * An unreachable database at start-up does not fail the service: migrations are retried in the background and
 * {@link PG_READINESS} fails until they have been applied.
 */
@Global()
@Module({})
export class PostgresModule {
  static forRoot(options: PostgresModuleOptions): DynamicModule {
    return {
      module: PostgresModule,
      providers: [
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
        { provide: MIGRATIONS, inject: [LOGGER], useFactory: (logger: Logger) => migrationsTask(options, logger) },
        {
          provide: PG_READINESS,
          inject: [PG_POOL, MIGRATIONS],
          useFactory: (pool: pg.Pool, migrations: StartupTask): PostgresReadiness => ({
            check: (name?: string) => migrations.readiness(postgresCheck(pool, name)),
          }),
        },
        {
          // PostgreSQL down at start-up does not stop the service: it listens, readiness fails, migrations retry.
          // The pool closes after the HTTP server has drained, so in-flight requests keep their connections.
          provide: StartupLifecycle,
          inject: [PG_POOL, MIGRATIONS],
          useFactory: (pool: pg.Pool, migrations: StartupTask) => new StartupLifecycle(migrations, () => pool.end()),
        },
      ],
      exports: [PG_POOL, PG_READINESS],
    };
  }
}
