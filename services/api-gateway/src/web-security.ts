import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from './config.js';

/**
 * Browser-facing defaults: helmet's security headers (a JSON API serves no documents, so the strictest CSP), and CORS
 * for the frontend's origins only — credentials are bearer tokens, never cookies.
 */
export async function webSecurity(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  await app.register(cors, {
    origin: [...config.CORS_ORIGINS],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-correlation-id', 'x-deadline-ms'],
    exposedHeaders: ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'x-correlation-id'],
    maxAge: 600,
  });
}
