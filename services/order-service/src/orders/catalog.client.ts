import { Inject, Injectable } from '@nestjs/common';
import { HttpClients, type HttpClient } from '@refarch/resilience';
import { ORDER_CONFIG, type OrderServiceConfig } from '../config.js';

interface Product {
  sku: string;
  priceCents: number;
}

/** Prices from inventory-service, through the resilient client (breaker, retries, deadline). */
@Injectable()
export class CatalogClient {
  private readonly http: HttpClient;

  constructor(clients: HttpClients, @Inject(ORDER_CONFIG) config: OrderServiceConfig) {
    this.http = clients.create('inventory-service', config.INVENTORY_URL);
  }

  /** Current price of each SKU; SKUs the catalog does not know are absent from the map. */
  async prices(skus: string[]): Promise<Map<string, number>> {
    const { body } = await this.http.get<Product[]>('/products');
    const wanted = new Set(skus);
    return new Map(body.filter((p) => wanted.has(p.sku)).map((p) => [p.sku, p.priceCents]));
  }
}
