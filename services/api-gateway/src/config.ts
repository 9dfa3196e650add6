import { env, loadConfig, serviceEnv } from '@refarch/config';
import { z } from 'zod';

const upstream = (port: number) => env.url('http', 'https').default(`http://127.0.0.1:${port}`);

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
  USER_SERVICE_URL: upstream(3001),
  ORDER_SERVICE_URL: upstream(3002),
  PAYMENT_SERVICE_URL: upstream(3003),
  INVENTORY_SERVICE_URL: upstream(3004),
  SAGA_ORCHESTRATOR_URL: upstream(3005),
  SHIPPING_WORKER_URL: upstream(3006),
  /**
   * Bearer token of the services' `/admin/*` APIs (saga steps for composition, the lab API). Defaults to this
   * gateway's ADMIN_TOKEN: one stack shares one token.
   */
  SERVICES_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  JWT_ISSUER: z.string().min(1).default('refarch-user-service'),
  JWT_AUDIENCE: z.string().min(1).default('refarch'),
  /** Accepted clock difference with the token issuer for `exp`/`iat`/`nbf`; bounded to one minute. */
  JWT_CLOCK_SKEW_SECONDS: env.int().max(60).default(5),
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

/** The services behind the gateway, by the names the lab API and `degraded` lists use. */
export function upstreams(config: GatewayConfig) {
  return {
    'user-service': config.USER_SERVICE_URL,
    'order-service': config.ORDER_SERVICE_URL,
    'payment-service': config.PAYMENT_SERVICE_URL,
    'inventory-service': config.INVENTORY_SERVICE_URL,
    'saga-orchestrator': config.SAGA_ORCHESTRATOR_URL,
    'shipping-worker': config.SHIPPING_WORKER_URL,
  } as const;
}
export type UpstreamName = keyof ReturnType<typeof upstreams>;
