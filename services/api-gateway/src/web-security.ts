import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import type { GatewayConfig } from './config.js';

/**
 * Browser-facing defaults: helmet's security headers (a JSON API serves no documents, so the strictest CSP), and CORS
 * for the frontend's origins only — credentials are bearer tokens, never cookies.
 *
 * helmet itself, not @fastify/helmet: the plugin builds a new helmet middleware for every request, which halved the
 * gateway's throughput on small routes (benchmark in the README); the middleware built once sets the same headers.
 */
export async function webSecurity(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const securityHeaders = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  const fastify = app.getHttpAdapter().getInstance();
  // On the public API only: probes and Prometheus scrapes (/health, /metrics) are not browsers, and those headers were
  // a third of the cost of a liveness answer.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/api')) return done();
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  await app.register(cors, {
    origin: [...config.CORS_ORIGINS],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-correlation-id', 'x-deadline-ms'],
    exposedHeaders: ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-correlation-id'],
    maxAge: 600,
  });
}
