import { AUTHENTICATES_ITS_CALLERS } from '@refarch/bootstrap';
import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HealthModule, rabbitmqCheck, redisCheck } from '@refarch/health';
import { BROKER, MessagingModule, type AmqpConnectionManager } from '@refarch/messaging';
import { METRICS_REGISTRY } from '@refarch/observability';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { AnalyticsModule } from './analytics/analytics.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AuthGuard } from './auth/auth.guard.js';
import { Cache } from './cache/cache.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './config.js';
import { LabModule } from './lab/lab.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { REDIS, redisProvider } from './redis.js';
import { RoutesModule } from './routes/routes.module.js';
import { Upstreams } from './upstreams.js';
import { UsersModule } from './users/users.module.js';

class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  onApplicationShutdown() {
    this.redis.disconnect();
  }
}

@Global()
@Module({})
export class AppModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        MessagingModule.forRoot({
          url: config.RABBITMQ_URL,
          service: 'api-gateway',
          ...(config.MESSAGING_NAMESPACE ? { namespace: config.MESSAGING_NAMESPACE } : {}),
        }),
        // Both optional: without Redis the gateway serves from the sources (slower), without RabbitMQ it serves
        // everything but live order streams. Readiness reports them `degraded` rather than pulling every replica.
        HealthModule.forRoot({
          inject: [REDIS, BROKER],
          useFactory: (redis: Redis, broker: AmqpConnectionManager) => [
            { ...redisCheck(redis), optional: true },
            { ...rabbitmqCheck({ isConnected: () => broker.isConnected() }), optional: true },
          ],
        }),
        AuthModule,
        RateLimitModule,
        CatalogModule,
        UsersModule,
        OrdersModule,
        LabModule,
        AnalyticsModule,
        RoutesModule,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        // `/api` is public with the gateway's own AuthGuard; the platform's service-to-service guard stays out.
        { provide: AUTHENTICATES_ITS_CALLERS, useValue: true },
        redisProvider,
        RedisLifecycle,
        {
          provide: Cache,
          inject: [REDIS, METRICS_REGISTRY],
          useFactory: (redis: Redis, registry: Registry) => new Cache(redis, registry),
        },
        Upstreams,
        // Order matters: the caller is known before the rate limiter picks its bucket.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
      exports: [GATEWAY_CONFIG, REDIS, Cache, Upstreams],
    };
  }
}
