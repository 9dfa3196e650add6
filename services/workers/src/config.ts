import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';
import { z } from 'zod';

export const workersEnv = serviceEnv.extend({
  /** Which worker this process is (one image, one Deployment per role). Notification and analytics come next. */
  WORKER_ROLE: z.enum(['shipping'], { message: 'must be one of: shipping' }),
  PORT: env.port().default(3006),
  DATABASE_URL: env.url('postgres', 'postgresql'),
  MIGRATE_ON_START: env.bool().default(true),
  RABBITMQ_URL: env.url('amqp', 'amqps'),
});

export type WorkersConfig = ReturnType<typeof loadWorkersConfig>;

export function loadWorkersConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(workersEnv, source);
}

export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(workersEnv.pick({ DATABASE_URL: true }), source);
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
