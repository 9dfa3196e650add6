import { z } from 'zod';

/** Thrown when the environment does not match a service's schema; lists every bad variable at once. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      `Invalid environment (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Credentials kept out of a URL variable (a Secret's values pasted into a URL would break it on `@`, `/`, `#`, `:`):
 * when set, they are percent-encoded into that URL's user-info before it is checked, replacing any there.
 */
export const URL_CREDENTIALS: Record<string, { user: string; password: string }> = {
  RABBITMQ_URL: { user: 'RABBITMQ_USER', password: 'RABBITMQ_PASSWORD' },
};

function withCredentials(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  for (const [variable, { user, password }] of Object.entries(URL_CREDENTIALS)) {
    if (out[variable] === undefined || (out[user] === undefined && out[password] === undefined)) continue;
    let url: URL;
    try {
      url = new URL(out[variable]);
    } catch {
      continue; // the schema reports the bad URL
    }
    if (out[user] !== undefined) url.username = encodeURIComponent(out[user]);
    if (out[password] !== undefined) url.password = encodeURIComponent(out[password]);
    out[variable] = url.toString();
  }
  return out;
}

/**
 * Parses `env` against a zod object schema whose keys are environment variable names.
 * Defaults belong in the schema. Throws one {@link ConfigError} naming every missing or invalid variable.
 * The result is deeply frozen: configuration is read once at start and never changes.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): DeepReadonly<z.infer<S>> {
  // Empty strings mean "unset" so that `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string
  >;
  const result = schema.safeParse(withCredentials(cleaned));
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: issue.path.map(String).join('.') || '(root)',
        message:
          issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'is required' : issue.message,
      })),
    );
  }
  return deepFreeze(result.data) as DeepReadonly<z.infer<S>>;
}

/** Reusable variable types with the parsing every service needs. */
export const env = {
  /** A TCP port, 0 allowed (ephemeral; used by tests). */
  port: () => z.coerce.number().int().min(0).max(65535),
  /** A positive integer, e.g. a timeout in milliseconds. */
  int: () => z.coerce.number().int().nonnegative(),
  /** `true/false/1/0/yes/no`, case-insensitive. */
  bool: () =>
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  /** A URL whose scheme is one of `schemes` (e.g. `postgres`, `postgresql`). */
  url: (...schemes: string[]) =>
    z
      .string()
      .trim()
      .refine(
        (v) => {
          try {
            const u = new URL(v);
            return schemes.length === 0 || schemes.includes(u.protocol.replace(/:$/, ''));
          } catch {
            return false;
          }
        },
        { message: `must be a URL${schemes.length ? ` with scheme ${schemes.join(' or ')}` : ''}` },
      ),
  /** A comma-separated list, trimmed, empty items dropped. */
  list: () =>
    z.string().transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
};

/**
 * Variables every RefArch service reads (the platform's own). A service extends it:
 * `serviceEnv.extend({ DATABASE_URL: env.url('postgres') })`.
 */
export const serviceEnv = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: env.port(),
  LOG_LEVEL: env.logLevel().default('info'),
  /** Largest accepted request body; larger gets 413. */
  BODY_LIMIT_BYTES: env.int().default(1_048_576),
  /** Time allowed to drain in-flight work on SIGTERM before the process is forced to exit. */
  SHUTDOWN_TIMEOUT_MS: env.int().default(10_000),
  /** After SIGTERM, keep serving (readiness already failing) this long so load balancers stop routing here first. */
  SHUTDOWN_DELAY_MS: env.int().default(0),
  /** Bearer token for `/admin/*` (breakers, fault injection); unset disables the admin API. */
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /**
   * The secret of the service credential (libs/bootstrap identity.ts): a service calling another for no user signs
   * a short-lived token with it, and every service checks it. At least 32 characters; required in production,
   * a development default otherwise (DEVELOPMENT_SERVICE_TOKEN_SECRET).
   */
  SERVICE_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Where a service that takes signed-in users' requests fetches the user-service's keys
   * (`http://user-service:3001/.well-known/jwks.json`); unset, user tokens are refused (401).
   */
  JWKS_URL: env.url('http', 'https').optional(),
  /** The claims every access token must carry (the user-service signs them; every service checks them). */
  JWT_ISSUER: z.string().min(1).default('refarch-user-service'),
  JWT_AUDIENCE: z.string().min(1).default('refarch'),
  JWT_CLOCK_SKEW_SECONDS: env.int().max(60).default(5),
  /** Isolates the stack's RabbitMQ exchanges and queues on a shared broker (libs/messaging); unset = shared names. */
  MESSAGING_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, 'must be 1–40 lower-case letters, digits or -')
    .optional(),
  /**
   * `off` never opens a breaker (calls still time out and retry): weakened resilience on purpose, to see what the
   * breakers buy — the lab's breaker assertions fail with it (docs/lab.md). Never in production.
   */
  BREAKERS: z.enum(['on', 'off']).default('on'),
  /** Fault injection at start (libs/resilience): off | error | latency | hang. */
  FAULT_MODE: z.enum(['off', 'error', 'latency', 'hang']).default('off'),
  /** Fraction of business requests a fault affects, 0..1. */
  FAULT_ERROR_RATE: z.coerce.number().min(0).max(1).default(1),
  /** Delay added in latency mode. */
  FAULT_LATENCY_MS: env.int().max(120_000).default(1_000),
});

export type ServiceEnv = z.infer<typeof serviceEnv>;

/**
 * The service credential's secret when SERVICE_TOKEN_SECRET is unset outside production: every local process and
 * test shares it, so nothing needs configuring there; `npm run stack` sets a random one per run.
 */
export const DEVELOPMENT_SERVICE_TOKEN_SECRET = 'refarch-development-service-secret-never-in-production';
