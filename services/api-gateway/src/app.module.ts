import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { HealthModule, rabbitmqCheck, redisCheck } from '@refarch/health';
import { BROKER, MessagingModule, type AmqpConnectionManager } from '@refarch/messaging';
import { METRICS_REGISTRY } from '@refarch/observability';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { AuthController } from './auth/auth.controller.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AccessTokenVerifier } from './auth/jwks.js';
import { Cache } from './cache/cache.js';
import { ProductsController } from './catalog/products.controller.js';
import { GATEWAY_CONFIG, type GatewayConfig } from './config.js';
import { LabController } from './lab/lab.controller.js';
import { OrderEvents } from './orders/order-events.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService } from './orders/orders.service.js';
import { StreamSlots } from './orders/stream-slots.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimits } from './rate-limit/rate-limits.js';
import { REDIS, redisProvider } from './redis.js';
import { routedServiceControllers } from './routes/routed-services.js';
import { Upstreams } from './upstreams.js';
import { UsersController } from './users/users.controller.js';

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
      ],
      controllers: [
        AuthController,
        ProductsController,
        UsersController,
        OrdersController,
        LabController,
        // Services that declare a public `route` in the catalog (npx nx g @refarch/plugin:service --public).
        ...routedServiceControllers(),
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        redisProvider,
        RedisLifecycle,
        {
          provide: Cache,
          inject: [REDIS, METRICS_REGISTRY],
          useFactory: (redis: Redis, registry: Registry) => new Cache(redis, registry),
        },
        Upstreams,
        AccessTokenVerifier,
        RateLimits,
        OrderEvents,
        OrdersService,
        StreamSlots,
        // Order matters: the caller is known before the rate limiter picks its bucket.
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
      exports: [GATEWAY_CONFIG, REDIS],
    };
  }
}
