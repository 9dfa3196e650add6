import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';
import { z } from 'zod';

/** The roles of this image; `npx nx g @refarch/plugin:service <role> --worker` adds one above the marker. */
export const WORKER_ROLES = [
  'shipping',
  'notification',
  'analytics',
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
  /**
   * Delays of a failed message's retries before it goes to the DLQ, comma-separated milliseconds (libs/messaging's
   * default, `1000,5000,30000`, when unset). A queue's retry queues keep the delays they were declared with.
   */
  MESSAGE_RETRY_DELAYS_MS: z
    .string()
    .regex(/^\d{1,7}(,\d{1,7}){0,9}$/, 'must be 1–10 comma-separated delays in ms, e.g. 1000,5000,30000')
    .transform((v) => v.split(',').map(Number))
    .optional(),
  /**
   * notification: the SMTP server. Locally `npm run stack` starts maildev there (its web UI shows the mail); in
   * Kubernetes the MicroK8s overlay runs a mail catcher and production takes host and credentials from a Secret.
   */
  SMTP_URL: env.url('smtp', 'smtps').default('smtp://127.0.0.1:1025'),
  /** notification: SMTP credentials, when the server wants them (kept out of SMTP_URL so a Secret can hold them). */
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** notification: the longest one SMTP send may take (connection included) before it counts as failed. */
  SMTP_TIMEOUT_MS: env.int().min(100).max(60_000).default(5_000),
  /** notification: the sender of every email. */
  MAIL_FROM: z.string().min(3).max(200).default('RefArch Shop <shop@refarch.local>'),
  // generated calls
});

export type WorkersConfig = ReturnType<typeof loadWorkersConfig>;
/** Injection token of the process's WorkersConfig (provided globally by AppModule). */
export const WORKERS_CONFIG = Symbol('WORKERS_CONFIG');

export function loadWorkersConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(workersEnv, source);
}

export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(workersEnv.pick({ WORKER_ROLE: true, DATABASE_URL: true }), source);
}

/** Each role owns its database and its migrations: `migrations/<role>/`. */
export const migrationsDir = (role: WorkerRole) => fileURLToPath(new URL(`../migrations/${role}`, import.meta.url));

/** `node dist/export-analytics.js` (the analytics role's daily batch, docs/data-pipeline.md). */
export const exportEnv = z.object({
  /** The analytics role's database. */
  DATABASE_URL: env.url('postgres', 'postgresql').default('postgres://postgres@127.0.0.1:5432/refarch_analytics'),
  /** S3-compatible storage: locally the s3rver `npm run stack` starts; MinIO in Kubernetes; AWS S3 when unset there. */
  S3_ENDPOINT: env.url('http', 'https').default('http://127.0.0.1:4569'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{2,62}$/, 'must be a valid bucket name')
    .default('refarch-lake'),
  // s3rver's fixed development credentials by default; a Secret in Kubernetes.
  S3_ACCESS_KEY_ID: z.string().min(1).default('S3RVER'),
  S3_SECRET_ACCESS_KEY: z.string().min(1).default('S3RVER'),
});

export function loadExportConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(exportEnv, source);
}
