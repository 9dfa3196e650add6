import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { env, loadConfig, serviceEnv } from '@refarch/config';
import { z } from 'zod';

interface CatalogEntry {
  name: string;
  port: number;
  calls?: Record<string, string>;
  /** Public route prefix: the gateway forwards `/api<route>/*` to the service's `<route>/*`. */
  route?: string;
}
const catalogOf = (file: URL): CatalogEntry[] =>
  (JSON.parse(readFileSync(file, 'utf8')) as { refarch?: { services?: CatalogEntry[] } }).refarch?.services ?? [];

/**
 * The services behind the gateway, from the service catalog (docs/fork-a-service.md): the `calls` of the gateway's
 * own entry (service → the variable of its URL), each defaulting to the service's local port from its own entry.
 * Read from the package.json files beside this one (the image ships them too), so a service added to the catalog
 * is routed and in the lab without an edit here.
 */
export const UPSTREAMS: readonly { name: string; variable: string; defaultUrl: string; route?: string }[] = (() => {
  const services = new URL('../../', import.meta.url);
  const own = catalogOf(new URL('../package.json', import.meta.url)).find((e) => e.name === 'api-gateway');
  const entries = new Map(
    readdirSync(services)
      .map((dir) => new URL(`${dir}/package.json`, services))
      .filter((file) => existsSync(file))
      .flatMap((file) => catalogOf(file).map((e) => [e.name, e] as const)),
  );
  return Object.entries(own?.calls ?? {}).map(([name, variable]) => {
    const route = entries.get(name)?.route;
    return {
      name,
      variable,
      defaultUrl: `http://127.0.0.1:${entries.get(name)?.port ?? 80}`,
      ...(route ? { route } : {}),
    };
  });
})();

const upstreamVariables = Object.fromEntries(
  UPSTREAMS.map((u) => [u.variable, env.url('http', 'https').default(u.defaultUrl)]),
);

export const gatewayEnv = serviceEnv.extend({
  PORT: env.port().default(8080),
  /** Rate-limit counters and the cache. Optional at run time: without it the gateway degrades, it does not fail. */
  REDIS_URL: env.url('redis', 'rediss'),
  /** Prefix of every Redis key of this gateway (several stacks can share one Redis). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,60}$/)
    .default('refarch:'),
  /** Order, payment, stock and shipping events feed the SSE streams and invalidate the product cache. */
  RABBITMQ_URL: env.url('amqp', 'amqps'),
  /** The URL of every service the gateway calls (USER_SERVICE_URL, …): see {@link UPSTREAMS}. */
  ...upstreamVariables,
  /**
   * Bearer token of the services' `/admin/*` APIs (saga steps for composition, the lab API). Defaults to this
   * gateway's ADMIN_TOKEN: one stack shares one token.
   */
  SERVICES_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Requests per user (per client IP when anonymous) per window, across all gateway replicas. */
  RATE_LIMIT_POINTS: env.int().min(1).default(300),
  RATE_LIMIT_ANONYMOUS_POINTS: env.int().min(1).default(120),
  RATE_LIMIT_WINDOW_SECONDS: env.int().min(1).default(60),
  /** Login attempts per (account, IP) and per account over all IPs, per login window. */
  LOGIN_ATTEMPTS_PER_ACCOUNT_IP: env.int().min(1).default(5),
  LOGIN_ATTEMPTS_PER_ACCOUNT: env.int().min(1).default(20),
  LOGIN_WINDOW_SECONDS: env.int().min(1).default(300),
  /** Product list cache lifetime: short, the list carries live stock (also invalidated by stock events). */
  PRODUCTS_CACHE_TTL_SECONDS: env.int().min(1).default(10),
  PROFILE_CACHE_TTL_SECONDS: env.int().min(1).default(60),
  /** Time budget of each part of `GET /api/orders/:id/full`; a part that misses it is `null` and listed as degraded. */
  COMPOSITION_TIMEOUT_MS: env.int().min(50).max(30_000).default(800),
  /** Budget of one proxied call (deadline over retries). */
  UPSTREAM_TIMEOUT_MS: env.int().min(100).max(60_000).default(5_000),
  /** Comment line sent on idle SSE streams so proxies keep them open and clients notice a dead one. */
  SSE_HEARTBEAT_MS: env.int().min(100).default(15_000),
  /** Order streams one user may hold open at once, across all gateway replicas (per replica while Redis is down). */
  SSE_MAX_STREAMS_PER_USER: env.int().min(1).max(1_000).default(10),
  /** Order streams one replica holds at most; unset: sized from its memory limit (see defaultStreamCap). */
  SSE_MAX_STREAMS: env.int().min(1).optional(),
  /** A stream ends after this long; the client reconnects and starts again from the order's current status. */
  SSE_MAX_LIFETIME_MS: env.int().min(1_000).default(600_000),
  /** A client whose socket has not taken a write for this long (it stopped reading) is dropped. */
  SSE_WRITE_TIMEOUT_MS: env.int().min(100).default(30_000),
  /** …and at once when more than this is queued for it: what a client that stops reading can cost the gateway. */
  SSE_MAX_BUFFERED_BYTES: env.int().min(1_024).default(262_144),
  /** Browser origins allowed by CORS (the frontend in local runs); the ingress serves both on one origin. */
  CORS_ORIGINS: env.list().default(['http://localhost:3000', 'http://127.0.0.1:3000']),
  /**
   * Proxy hops to trust for the client IP (`X-Forwarded-For`): 1 behind the MicroK8s ingress, 0 when clients
   * connect directly — a client could otherwise pick its own rate-limit bucket.
   */
  TRUSTED_PROXY_HOPS: env.int().max(10).default(0),
});

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(source: Record<string, string | undefined> = process.env) {
  return loadConfig(gatewayEnv, source);
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

/** The services behind the gateway, by the names the lab API and `degraded` lists use, with their URLs. */
export function upstreams(config: GatewayConfig): Record<UpstreamName, string> {
  const values = config as unknown as Record<string, string>;
  return Object.fromEntries(UPSTREAMS.map((u) => [u.name, values[u.variable]!]));
}
/** A service's name in the catalog (`order-service`). */
export type UpstreamName = string;
