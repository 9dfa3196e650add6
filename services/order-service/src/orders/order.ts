import type { Envelope } from '@refarch/contracts';

export type { OrderStatus } from '@refarch/contracts';
import type { OrderStatus } from '@refarch/contracts';

export interface PricedItem {
  sku: string;
  quantity: number;
  priceCents: number;
}

export interface Order {
  orderId: string;
  userId: string;
  items: PricedItem[];
  totalCents: number;
  status: OrderStatus;
  reason?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** One order as the saga invariants see it. */
export interface LedgerOrder {
  orderId: string;
  status: OrderStatus;
  totalCents: number;
}

export interface NewOrder {
  orderId: string;
  userId: string;
  items: PricedItem[];
  totalCents: number;
  /** Idempotency-Key of the request that creates it, with a hash of that request's body. */
  idempotency?: { key: string; requestHash: string };
}

export type TransitionResult =
  { outcome: 'changed' | 'unchanged'; order: Order } | { outcome: 'not_found' } | { outcome: 'illegal'; order: Order };

/**
 * The storage port of orders. Two adapters (PostgreSQL, MongoDB) keep this contract, held to one test suite: a
 * state change and its event commit atomically; one order per (user, idempotency key) even under concurrency.
 */
export interface OrderStore {
  /** Stores the order and its event; with a key already used by the user, stores nothing and returns the first. */
  create(order: NewOrder, event: Envelope): Promise<{ order: Order; created: boolean; requestHash?: string }>;
  findByKey(userId: string, key: string): Promise<{ order: Order; requestHash: string } | undefined>;
  find(orderId: string): Promise<Order | undefined>;
  listByUser(userId: string, limit: number): Promise<Order[]>;
  /** Every order, oldest first, as npm run verify reads it (GET /admin/ledger). */
  ledger(): Promise<LedgerOrder[]>;
  /** PENDING → `to` with its event; the same transition again changes nothing; any other is illegal. */
  transition(
    orderId: string,
    to: 'APPROVED' | 'REJECTED',
    reason: string | undefined,
    event: (order: Order) => Envelope,
  ): Promise<TransitionResult>;
}

export const ORDER_STORE = Symbol('ORDER_STORE');
