import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';

export const sagaEnv = serviceEnv.extend({
  PORT: env.port().default(3005),
  DATABASE_URL: env.url('postgres', 'postgresql'),
  MIGRATE_ON_START: env.bool().default(true),
  RABBITMQ_URL: env.url('amqp', 'amqps'),
  PAYMENT_URL: env.url('http', 'https').default('http://127.0.0.1:3003'),
  INVENTORY_URL: env.url('http', 'https').default('http://127.0.0.1:3004'),
  ORDER_URL: env.url('http', 'https').default('http://127.0.0.1:3002'),
  /** A forward step that has not succeeded by then (retries, parking on an open breaker) is compensated. */
  STEP_DEADLINE_MS: env.int().min(1_000).default(60_000),
  /** A compensation action failing this many times parks the saga as COMPENSATION_FAILED. */
  MAX_COMPENSATION_ATTEMPTS: env.int().min(1).default(8),
  /** How long a replica owns a saga it drives; a crashed replica's sagas are resumed after this. */
  LEASE_MS: env.int().min(1_000).default(15_000),
  /** How often due sagas are looked for (new sagas and replies wake the driver at once). */
  POLL_MS: env.int().min(10).default(500),
});

export type SagaConfig = ReturnType<typeof loadSagaConfig>;

export function loadSagaConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(sagaEnv, source);
}

export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(sagaEnv.pick({ DATABASE_URL: true }), source);
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
export const SAGA_CONFIG = Symbol('SAGA_CONFIG');
