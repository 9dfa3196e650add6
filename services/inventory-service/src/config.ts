import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';

export const inventoryServiceEnv = serviceEnv.extend({
  PORT: env.port().default(3004),
  DATABASE_URL: env.url('postgres', 'postgresql'),
  MIGRATE_ON_START: env.bool().default(true),
  /** RabbitMQ, where inventory events are published (through the outbox). */
  RABBITMQ_URL: env.url('amqp', 'amqps'),
});

export type InventoryServiceConfig = ReturnType<typeof loadInventoryServiceConfig>;

export function loadInventoryServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(inventoryServiceEnv, source);
}

/** `npm run migrate` needs only the database. */
export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(inventoryServiceEnv.pick({ DATABASE_URL: true }), source);
}

/** Versioned SQL migrations, shipped next to dist/ (the catalog seed is one of them). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
