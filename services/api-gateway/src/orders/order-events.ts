import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Envelope, OrderStatus } from '@refarch/contracts';
import { BROKER, LiveFeed, type AmqpConnectionManager } from '@refarch/messaging';
import { LOGGER, type Logger } from '@refarch/observability';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config.js';

/** What an SSE client receives: a status change of the order, or a saga step seen on the bus. */
export type OrderUpdate =
  | { kind: 'status'; id: string; orderId: string; status: OrderStatus; reason?: string; at: string }
  | { kind: 'step'; id: string; orderId: string; step: SagaStep; event: string; compensation: boolean; at: string };

export type SagaStep = 'payment' | 'stock' | 'shipping';

/** The events that move an order, and how a timeline shows them. */
const STEPS: Record<string, { step: SagaStep; compensation: boolean }> = {
  'payments.payment-authorized.v1': { step: 'payment', compensation: false },
  'payments.payment-declined.v1': { step: 'payment', compensation: false },
  'payments.payment-captured.v1': { step: 'payment', compensation: false },
  'payments.payment-voided.v1': { step: 'payment', compensation: true },
  'payments.payment-refunded.v1': { step: 'payment', compensation: true },
  'inventory.stock-reserved.v1': { step: 'stock', compensation: false },
  'inventory.stock-reservation-failed.v1': { step: 'stock', compensation: false },
  'inventory.stock-committed.v1': { step: 'stock', compensation: false },
  'inventory.stock-released.v1': { step: 'stock', compensation: true },
  'shipping.shipment-created.v1': { step: 'shipping', compensation: false },
  'shipping.shipment-failed.v1': { step: 'shipping', compensation: false },
  'shipping.shipment-cancelled.v1': { step: 'shipping', compensation: true },
};
const STATUSES: Record<string, OrderStatus> = {
  'orders.order-created.v1': 'PENDING',
  'orders.order-approved.v1': 'APPROVED',
  'orders.order-rejected.v1': 'REJECTED',
};

export function toUpdate(envelope: Envelope): OrderUpdate | undefined {
  const data = envelope.data as { orderId?: unknown; reason?: unknown };
  if (typeof data.orderId !== 'string') return undefined;
  const base = { id: envelope.id, orderId: data.orderId, at: envelope.occurredAt };
  const status = STATUSES[envelope.type];
  if (status) {
    return { kind: 'status', ...base, status, ...(typeof data.reason === 'string' ? { reason: data.reason } : {}) };
  }
  const step = STEPS[envelope.type];
  return step ? { kind: 'step', ...base, ...step, event: envelope.type } : undefined;
}

type Listener = (update: OrderUpdate) => void;

/**
 * Fans the bus's order, payment, stock and shipping events out to this replica's SSE streams (a {@link LiveFeed}:
 * every replica sees every event), and tells other parts (the product cache) about stock changes.
 */
@Injectable()
export class OrderEvents implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private feed: LiveFeed | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stockListeners = new Set<() => void>();
  private readonly openStreams = new Set<() => void>();

  constructor(
    @Inject(BROKER) private readonly broker: AmqpConnectionManager,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap() {
    this.feed = new LiveFeed(this.broker, {
      name: 'api-gateway',
      bindings: ['orders.#', 'payments.#', 'inventory.#', 'shipping.#'],
      ...(this.config.MESSAGING_NAMESPACE ? { namespace: this.config.MESSAGING_NAMESPACE } : {}),
      onEvent: (envelope) => this.dispatch(envelope),
      onInvalid: (error) => this.logger.warn({ error }, 'invalid event on the live feed ignored'),
      onError: (error) => this.logger.warn({ err: error }, 'live feed setup failed; retrying on reconnect'),
    });
  }

  /** Resolves once the feed is consuming (tests; start-up never waits for the broker). */
  async ready(): Promise<void> {
    await this.feed?.ready();
  }

  /** Open SSE streams would hold the HTTP drain until the shutdown timeout: end them (clients reconnect elsewhere). */
  beforeApplicationShutdown() {
    for (const close of [...this.openStreams]) close();
  }

  /** Registers a stream's `close` to be called at shutdown; returns the function that forgets it. */
  track(close: () => void): () => void {
    this.openStreams.add(close);
    return () => this.openStreams.delete(close);
  }

  async onApplicationShutdown() {
    await this.feed?.close();
  }

  /** Calls `listener` with every update of `orderId` until the returned function is called. */
  subscribe(orderId: string, listener: Listener): () => void {
    const set = this.listeners.get(orderId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(orderId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(orderId);
    };
  }

  onStockChange(listener: () => void): void {
    this.stockListeners.add(listener);
  }

  /** What the live feed calls with each event: stock listeners, then the streams of that order. */
  dispatch(envelope: Envelope) {
    if (envelope.type.startsWith('inventory.')) for (const listener of this.stockListeners) listener();
    const update = toUpdate(envelope);
    if (!update) return;
    for (const listener of this.listeners.get(update.orderId) ?? []) listener(update);
  }
}
