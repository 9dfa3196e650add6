import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createEnvelope, type OrderView } from '@refarch/contracts';
import { currentCorrelationId, METRICS_REGISTRY } from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import { CatalogClient } from './catalog.client.js';
import {
  IdempotencyMismatchError,
  IllegalTransitionError,
  OrderNotFoundError,
  UnknownProductError,
} from './order.errors.js';
import { ORDER_STORE, type Order, type OrderStore } from './order.js';

const hashOf = (items: { sku: string; quantity: number }[]) =>
  createHash('sha256')
    .update(JSON.stringify([...items].sort((a, b) => a.sku.localeCompare(b.sku)).map((i) => [i.sku, i.quantity])))
    .digest('hex');

export const view = (o: Order): OrderView => ({
  orderId: o.orderId,
  userId: o.userId,
  status: o.status,
  items: o.items,
  totalCents: o.totalCents,
  ...(o.reason ? { reason: o.reason } : {}),
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
});

@Injectable()
export class OrdersService {
  private readonly created: Counter;

  constructor(
    @Inject(ORDER_STORE) private readonly store: OrderStore,
    private readonly catalog: CatalogClient,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.created = new Counter({
      name: 'orders_created_total',
      help: 'Orders created (idempotent replays excluded)',
      registers: [registry],
    });
  }

  /**
   * Creates a PENDING order priced from the catalog, with `orders.order-created.v1` in the same atomic write.
   * With an Idempotency-Key: the same key and body give the first order back; another body is a 422.
   */
  async create(userId: string, items: { sku: string; quantity: number }[], idempotencyKey?: string) {
    const requestHash = hashOf(items);
    if (idempotencyKey) {
      const first = await this.store.findByKey(userId, idempotencyKey);
      if (first) {
        if (first.requestHash !== requestHash) throw new IdempotencyMismatchError();
        return { order: first.order, created: false };
      }
    }
    const prices = await this.catalog.prices(items.map((i) => i.sku));
    const unknown = items.filter((i) => !prices.has(i.sku)).map((i) => i.sku);
    if (unknown.length) throw new UnknownProductError(unknown);
    const priced = items.map((i) => ({ ...i, priceCents: prices.get(i.sku)! }));
    const totalCents = priced.reduce((sum, i) => sum + i.priceCents * i.quantity, 0);
    const orderId = randomUUID();
    const event = createEnvelope(
      'orders.order-created.v1',
      { orderId, userId, items: priced, totalCents },
      { correlationId: currentCorrelationId() ?? orderId },
    );
    const result = await this.store.create(
      {
        orderId,
        userId,
        items: priced,
        totalCents,
        ...(idempotencyKey ? { idempotency: { key: idempotencyKey, requestHash } } : {}),
      },
      event,
    );
    // A concurrent request with the same key won: same body → its order; other body → 422.
    if (!result.created && result.requestHash !== requestHash) throw new IdempotencyMismatchError();
    if (result.created) this.created.inc();
    return { order: result.order, created: result.created };
  }

  async get(orderId: string, userId?: string): Promise<Order> {
    const order = await this.store.find(orderId);
    // Someone else's order is "not found": a 403 would confirm it exists.
    if (!order || (userId !== undefined && order.userId !== userId)) throw new OrderNotFoundError(orderId);
    return order;
  }

  list(userId: string, limit: number): Promise<Order[]> {
    return this.store.listByUser(userId, limit);
  }

  approve(orderId: string) {
    return this.transition(orderId, 'APPROVED');
  }

  reject(orderId: string, reason: string) {
    return this.transition(orderId, 'REJECTED', reason);
  }

  private async transition(orderId: string, to: 'APPROVED' | 'REJECTED', reason?: string): Promise<Order> {
    const result = await this.store.transition(orderId, to, reason, (order) =>
      to === 'APPROVED'
        ? createEnvelope(
            'orders.order-approved.v1',
            { orderId, userId: order.userId, totalCents: order.totalCents },
            { correlationId: currentCorrelationId() ?? orderId },
          )
        : createEnvelope(
            'orders.order-rejected.v1',
            { orderId, userId: order.userId, reason: reason ?? 'rejected' },
            { correlationId: currentCorrelationId() ?? orderId },
          ),
    );
    switch (result.outcome) {
      case 'not_found':
        throw new OrderNotFoundError(orderId);
      case 'illegal':
        throw new IllegalTransitionError(orderId, result.order.status, to);
      case 'changed':
      case 'unchanged':
        return result.order;
    }
  }
}
