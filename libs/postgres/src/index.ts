export { checkOut, createPool, isPgError, UNIQUE_VIOLATION, withTransaction } from './pool.js';
export type { Pool, PoolClient, PoolOptions } from './pool.js';
export { migrate } from './migrations.js';
export type { MigrateOptions } from './migrations.js';
export { PG_POOL, PG_READINESS, PostgresModule } from './postgres.module.js';
export type { PostgresModuleOptions, PostgresReadiness } from './postgres.module.js';
