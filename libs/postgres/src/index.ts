export { checkOut, createPool, isPgError, UNIQUE_VIOLATION, withTransaction } from './pool.js';
export type { Pool, PoolClient, PoolOptions } from './pool.js';
export { migrate } from './migrations.js';
export type { MigrateOptions } from './migrations.js';
export { PG_POOL, PostgresModule } from './postgres.module.js';
export type { PostgresModuleOptions } from './postgres.module.js';
