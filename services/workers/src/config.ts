import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';
import { z } from 'zod';

/** The roles of this image; `npx nx g @refarch/plugin:service <role> --worker` adds one above the marker. */
export const WORKER_ROLES = [
  'shipping',
  // generated roles
] as const;

export type WorkerRole = (typeof WORKER_ROLES)[number];

export const workersEnv = serviceEnv.extend({
  /** Which worker this process is (one image, one Deployment per role). */
  WORKER_ROLE: z.enum(WORKER_ROLES, { message: `must be one of: ${WORKER_ROLES.join(', ')}` }),
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
  return loadConfig(workersEnv.pick({ WORKER_ROLE: true, DATABASE_URL: true }), source);
}

/** Each role owns its database and its migrations: `migrations/<role>/`. */
export const migrationsDir = (role: WorkerRole) => fileURLToPath(new URL(`../migrations/${role}`, import.meta.url));
