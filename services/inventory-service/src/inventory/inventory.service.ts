import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@refarch/errors';
import { METRICS_REGISTRY } from '@refarch/observability';
import { Counter, type Registry } from 'prom-client';
import { ProductNotFoundError, ReservationNotFoundError } from './inventory.errors.js';
import type { ProductView, ReservationView } from './inventory.dto.js';
import { InventoryRepository } from './inventory.repository.js';

type Outcome = 'reserved' | 'replayed' | 'out_of_stock' | 'unknown_sku' | 'conflict' | 'released' | 'committed';

@Injectable()
export class InventoryService {
  private readonly reservations: Counter<'outcome'>;

  constructor(
    private readonly repository: InventoryRepository,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    this.reservations = new Counter({
      name: 'reservations_total',
      help: 'Reservation operations by outcome (reserved, replayed, out_of_stock, unknown_sku, conflict, released, committed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  products(): Promise<ProductView[]> {
    return this.repository.products();
  }

  /** The admin restock: the units added per SKU, and the catalog after it. */
  async restock(change: { add?: number; to?: number; skus?: string[] }) {
    const added = await this.repository.restock(change);
    return { added, products: await this.repository.products() };
  }

  ledger() {
    return this.repository.ledger();
  }

  allReservations() {
    return this.repository.reservations();
  }

  async product(sku: string): Promise<ProductView> {
    const product = await this.repository.product(sku);
    if (!product) throw new ProductNotFoundError(sku);
    return product;
  }

  async reservation(orderId: string): Promise<ReservationView> {
    const reservation = await this.repository.reservation(orderId);
    if (!reservation) throw new ReservationNotFoundError(orderId);
    return reservation;
  }

  async reserve(orderId: string, items: { sku: string; quantity: number }[]) {
    const result = await this.count(() => this.repository.reserve(orderId, items));
    this.reservations.inc({ outcome: result.created ? 'reserved' : 'replayed' });
    return result;
  }

  async release(orderId: string): Promise<ReservationView> {
    const { reservation, changed } = await this.count(() => this.repository.transition(orderId, 'RELEASED'));
    if (changed) this.reservations.inc({ outcome: 'released' });
    return reservation;
  }

  async commit(orderId: string): Promise<ReservationView> {
    const { reservation, changed } = await this.count(() => this.repository.transition(orderId, 'COMMITTED'));
    if (changed) this.reservations.inc({ outcome: 'committed' });
    return reservation;
  }

  private async count<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const outcome: Record<string, Outcome> = {
        'INVENTORY.OUT_OF_STOCK': 'out_of_stock',
        'INVENTORY.UNKNOWN_SKU': 'unknown_sku',
        'INVENTORY.RESERVATION_CONFLICT': 'conflict',
      };
      if (error instanceof AppError && outcome[error.code]) this.reservations.inc({ outcome: outcome[error.code] });
      throw error;
    }
  }
}
