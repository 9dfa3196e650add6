import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';

export const paymentServiceEnv = serviceEnv.extend({
  PORT: env.port().default(3003),
  DATABASE_URL: env.url('postgres', 'postgresql'),
  MIGRATE_ON_START: env.bool().default(true),
  /** RabbitMQ, where payment events are published (through the outbox). */
  RABBITMQ_URL: env.url('amqp', 'amqps'),
  /**
   * The demo's decline rule: an authorization above this amount is declined ("limit exceeded"). Deterministic, so
   * the demo and the tests can trigger a declined payment by ordering enough.
   */
  PAYMENT_LIMIT_CENTS: env.int().min(1).default(50_000),
});

export type PaymentServiceConfig = ReturnType<typeof loadPaymentServiceConfig>;

export function loadPaymentServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(paymentServiceEnv, source);
}

/** `npm run migrate` needs only the database. */
export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(paymentServiceEnv.pick({ DATABASE_URL: true }), source);
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

/** Injection token of this service's configuration. */
export const PAYMENT_CONFIG = Symbol('PAYMENT_CONFIG');
