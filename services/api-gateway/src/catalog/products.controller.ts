import { Controller, Get, Inject, type OnModuleInit } from '@nestjs/common';
import { Public } from '../auth/auth.guard.js';
import { Cache } from '../cache/cache.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';
import { OrderEvents } from '../orders/order-events.js';
import { passThroughClientErrors, Upstreams } from '../upstreams.js';

export const PRODUCTS_KEY = 'products';

@Controller('api/products')
export class ProductsController implements OnModuleInit {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly cache: Cache,
    private readonly events: OrderEvents,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  // Stock changes are writes to the product list: drop the cached copy (the TTL bounds it when an event is missed).
  onModuleInit() {
    this.events.onStockChange(() => void this.cache.invalidate(PRODUCTS_KEY));
  }

  /** `[{sku, name, priceCents, stock}]`, cache-aside in Redis. */
  @Get()
  @Public()
  products() {
    return this.cache.getOrLoad('products', PRODUCTS_KEY, this.config.PRODUCTS_CACHE_TTL_SECONDS, async () => {
      try {
        const { body } = await this.upstreams
          .client('inventory-service')
          .get<unknown[]>('/products', { deadlineMs: this.config.UPSTREAM_TIMEOUT_MS });
        return body;
      } catch (error) {
        passThroughClientErrors(error);
      }
    });
  }
}
