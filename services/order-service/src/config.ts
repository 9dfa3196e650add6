import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';

export const orderServiceEnv = serviceEnv.extend({
  PORT: env.port().default(3002),
  /** The order store; its scheme chooses the adapter: `mongodb://` (MongoDB) or `postgres://` (PostgreSQL). */
  ORDERS_DB_URL: env.url('mongodb', 'mongodb+srv', 'postgres', 'postgresql'),
  MIGRATE_ON_START: env.bool().default(true),
  /**
   * MongoDB adapter: the longest any one store operation may take, server selection included (the driver's
   * `timeoutMS`); past it the request gets a 503 instead of hanging on a store that does not answer.
   */
  ORDERS_DB_TIMEOUT_MS: env.int().min(100).max(60_000).default(5_000),
  RABBITMQ_URL: env.url('amqp', 'amqps'),
  /** Where prices come from (an order never trusts a client's price). */
  INVENTORY_URL: env.url('http', 'https').default('http://127.0.0.1:3004'),
});

export type OrderServiceConfig = ReturnType<typeof loadOrderServiceConfig>;

export function loadOrderServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(orderServiceEnv, source);
}

export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(orderServiceEnv.pick({ ORDERS_DB_URL: true }), source);
}

/** PostgreSQL adapter's migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

export const ORDER_CONFIG = Symbol('ORDER_CONFIG');

export const usesMongo = (url: string) => /^mongodb(\+srv)?:/.test(url);
