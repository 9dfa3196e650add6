import { createPrivateKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { env, loadConfig, serviceEnv } from '@refarch/config';
import { z } from 'zod';

// PEM keys often arrive with literal "\n" (Kubernetes secrets from literals, .env files): accept both forms.
const pem = z
  .string()
  .transform((v) => v.replace(/\\n/g, '\n').trim())
  .refine(
    (v) => {
      try {
        const key = createPrivateKey(v);
        return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
      } catch {
        return false;
      }
    },
    { message: 'must be a PEM EC P-256 private key (see README: "Signing keys")' },
  );

export const userServiceEnv = serviceEnv.extend({
  PORT: env.port().default(3001),
  DATABASE_URL: env.url('postgres', 'postgresql'),
  MIGRATE_ON_START: env.bool().default(true),
  /** RabbitMQ, where `users.user-registered.v1` is published (through the outbox). */
  RABBITMQ_URL: env.url('amqp', 'amqps'),
  /** ES256 signing key of access tokens. */
  JWT_PRIVATE_KEY: pem,
  /** `kid` of the current key; change it with the key (see README: "Rotating the signing key"). */
  JWT_KEY_ID: z.string().min(1).max(64).default('refarch-1'),
  /** Public JWKs of previous keys (JSON array), still published until their tokens have expired. */
  JWT_PREVIOUS_PUBLIC_JWKS: z
    .string()
    .transform((v, ctx) => {
      try {
        const parsed: unknown = JSON.parse(v);
        if (Array.isArray(parsed)) return parsed as Record<string, unknown>[];
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of public JWKs' });
      return z.NEVER;
    })
    .default([]),
  /** Access token lifetime; at most 15 minutes. */
  JWT_TTL_SECONDS: env.int().min(30).max(900).default(900),
  /** Accounts (emails, comma-separated) that get the `admin` role. */
  ADMIN_EMAILS: env.list().default([]),
});

export type UserServiceConfig = ReturnType<typeof loadUserServiceConfig>;

export function loadUserServiceConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(userServiceEnv, source);
}

/** `npm run migrate` needs only the database. */
export function loadMigrationConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(userServiceEnv.pick({ DATABASE_URL: true }), source);
}

/** This service's versioned SQL migrations (shipped in the image next to dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
