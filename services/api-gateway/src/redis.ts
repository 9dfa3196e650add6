import type { Provider } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from '@refarch/observability';
import { LOGGER } from '@refarch/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from './config.js';

export const REDIS = Symbol('REDIS');

/**
 * The gateway's Redis client, tuned to fail fast rather than queue: with Redis down, a command errors at once
 * (no offline queue, short command timeout) and the gateway serves from the source; it reconnects by itself.
 */
export const redisProvider: Provider = {
  provide: REDIS,
  inject: [GATEWAY_CONFIG, LOGGER],
  useFactory: (config: GatewayConfig, logger: Logger) => {
    const redis = new Redis(config.REDIS_URL, {
      keyPrefix: config.REDIS_KEY_PREFIX,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 300,
      connectTimeout: 1_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    let up = true;
    redis.on('error', (error: Error) => {
      if (up) logger.warn({ err: error }, 'Redis unavailable: serving from the sources, rate limits per replica');
      up = false;
    });
    redis.on('ready', () => {
      if (!up) logger.info('Redis available again');
      up = true;
    });
    return redis;
  },
};
