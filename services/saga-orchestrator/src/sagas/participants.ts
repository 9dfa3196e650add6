import { Inject, Injectable } from '@nestjs/common';
import { ERROR_CODES } from '@refarch/contracts';
import { HttpClients, HttpStatusError, type HttpClient } from '@refarch/resilience';
import { SAGA_CONFIG, type SagaConfig } from '../config.js';
import type { Saga } from './saga.js';

/** A participant refused for a business reason (declined card, out of stock): compensate, never retry. */
export class BusinessFailure extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BusinessFailure';
  }
}

function problemCode(error: HttpStatusError): string | undefined {
  const body = error.body as { code?: unknown } | undefined;
  return typeof body?.code === 'string' ? body.code : undefined;
}

/**
 * The saga's calls to payment-, inventory- and order-service, through the resilient clients (breaker, retries,
 * deadline). Every call carries an idempotency key derived from the order, so a retried step is applied once.
 */
@Injectable()
export class Participants {
  private readonly payments: HttpClient;
  private readonly inventory: HttpClient;
  private readonly orders: HttpClient;

  constructor(clients: HttpClients, @Inject(SAGA_CONFIG) config: SagaConfig) {
    this.payments = clients.create('payment-service', config.PAYMENT_URL);
    this.inventory = clients.create('inventory-service', config.INVENTORY_URL);
    this.orders = clients.create('order-service', config.ORDER_URL);
  }

  async authorize(saga: Saga): Promise<void> {
    try {
      await this.payments.post(
        '/payments/authorize',
        { orderId: saga.orderId, userId: saga.userId, amountCents: saga.totalCents },
        { idempotencyKey: `authorize-${saga.orderId}` },
      );
    } catch (error) {
      if (error instanceof HttpStatusError && problemCode(error) === ERROR_CODES.PAYMENT_DECLINED) {
        const reason = (error.body as { reason?: string }).reason ?? 'declined';
        throw new BusinessFailure(`payment declined: ${reason}`);
      }
      throw error;
    }
  }

  async reserve(saga: Saga): Promise<void> {
    try {
      await this.inventory.post(
        '/reservations',
        { orderId: saga.orderId, items: saga.items.map(({ sku, quantity }) => ({ sku, quantity })) },
        { idempotencyKey: `reserve-${saga.orderId}` },
      );
    } catch (error) {
      const code = error instanceof HttpStatusError ? problemCode(error) : undefined;
      if (code === ERROR_CODES.OUT_OF_STOCK || code === ERROR_CODES.UNKNOWN_SKU) {
        const skus = (error as HttpStatusError).body as { missingSkus?: string[]; unknownSkus?: string[] };
        throw new BusinessFailure(`out of stock: ${(skus.missingSkus ?? skus.unknownSkus ?? []).join(', ')}`);
      }
      throw error;
    }
  }

  private async post(client: HttpClient, path: string, key: string, body: unknown = {}): Promise<void> {
    await client.post(path, body, { idempotencyKey: key });
  }

  capture = (s: Saga) =>
    this.post(this.payments, `/payments/${encodeURIComponent(s.orderId)}/capture`, `capture-${s.orderId}`);
  voidPayment = (s: Saga) =>
    this.post(this.payments, `/payments/${encodeURIComponent(s.orderId)}/void`, `void-${s.orderId}`);
  commitStock = (s: Saga) =>
    this.post(this.inventory, `/reservations/${encodeURIComponent(s.orderId)}/commit`, `commit-${s.orderId}`);
  releaseStock = (s: Saga) =>
    this.post(this.inventory, `/reservations/${encodeURIComponent(s.orderId)}/release`, `release-${s.orderId}`);
  approve = (s: Saga) =>
    this.post(this.orders, `/orders/${encodeURIComponent(s.orderId)}/approve`, `approve-${s.orderId}`);
  reject = (s: Saga, reason: string) =>
    this.post(this.orders, `/orders/${encodeURIComponent(s.orderId)}/reject`, `reject-${s.orderId}`, {
      reason: reason.slice(0, 500),
    });
}
