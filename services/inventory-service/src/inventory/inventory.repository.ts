import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { createEnvelope } from '@refarch/contracts';
import { addToOutbox } from '@refarch/messaging';
import { currentCorrelationId } from '@refarch/observability';
import { isPgError, PG_POOL, UNIQUE_VIOLATION, withTransaction, type Pool, type PoolClient } from '@refarch/postgres';
import {
  OutOfStockError,
  ReservationConflictError,
  ReservationNotFoundError,
  UnknownSkuError,
} from './inventory.errors.js';
import type { ProductView, ReservationStatus, ReservationView, StockLedgerLine } from './inventory.dto.js';

type Item = { sku: string; quantity: number };

const sameItems = (a: Item[], b: Item[]) =>
  a.length === b.length &&
  [...a]
    .sort((x, y) => x.sku.localeCompare(y.sku))
    .every((item, i) => {
      const other = [...b].sort((x, y) => x.sku.localeCompare(y.sku))[i]!;
      return item.sku === other.sku && item.quantity === other.quantity;
    });

interface ReservationRow {
  id: string;
  order_id: string;
  status: ReservationStatus;
  created_at: Date;
  updated_at: Date;
  items: Item[];
}

const RESERVATION = `
  SELECT r.id, r.order_id, r.status, r.created_at, r.updated_at,
         coalesce(json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity) ORDER BY i.sku)
                  FILTER (WHERE i.sku IS NOT NULL), '[]') AS items
    FROM reservations r LEFT JOIN reservation_items i ON i.reservation_id = r.id
   WHERE r.order_id = $1
   GROUP BY r.id`;

function view(row: ReservationRow): ReservationView {
  return {
    reservationId: row.id,
    orderId: row.order_id,
    status: row.status,
    items: row.items,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** All persistence of the catalog, stock and reservations; every state change writes its event to the outbox. */
@Injectable()
export class InventoryRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async products(): Promise<ProductView[]> {
    const { rows } = await this.pool.query<ProductView>(
      `SELECT sku, name, price_cents AS "priceCents", stock FROM products ORDER BY sku`,
    );
    return rows;
  }

  /**
   * Puts stock in (`add` units each, or up to `to`), recording each movement in the same transaction; products
   * already at `to` are left alone. Answers the units added per SKU; an unknown SKU is refused before anything.
   */
  async restock(change: { add?: number; to?: number; skus?: string[] }): Promise<Record<string, number>> {
    return withTransaction(this.pool, async (client) => {
      const { rows: known } = await client.query<{ sku: string }>(
        `SELECT sku FROM products WHERE $1::text[] IS NULL OR sku = ANY($1) ORDER BY sku FOR UPDATE`,
        [change.skus ?? null],
      );
      const unknown = (change.skus ?? []).filter((sku) => !known.some((k) => k.sku === sku));
      if (unknown.length) throw new UnknownSkuError(unknown);
      const { rows } = await client.query<{ sku: string; added: number }>(
        `WITH wanted AS (
           SELECT sku, CASE WHEN $2::int IS NOT NULL THEN $2::int ELSE greatest($3::int - stock, 0) END AS added
             FROM products WHERE sku = ANY($1)
         ), moved AS (
           INSERT INTO stock_movements (sku, quantity, reason)
           SELECT sku, added, 'restock' FROM wanted WHERE added > 0
         )
         UPDATE products p SET stock = p.stock + w.added, updated_at = now()
           FROM wanted w WHERE p.sku = w.sku AND w.added > 0
         RETURNING p.sku, w.added`,
        [known.map((k) => k.sku), change.add ?? null, change.to ?? 0],
      );
      return Object.fromEntries(rows.map((r) => [r.sku, r.added]));
    });
  }

  /** Every reservation's order, status and items, oldest first (GET /admin/ledger, npm run verify). */
  async reservations(): Promise<{ orderId: string; status: string; items: { sku: string; quantity: number }[] }[]> {
    const { rows } = await this.pool.query<{
      orderId: string;
      status: string;
      items: { sku: string; quantity: number }[];
    }>(
      `SELECT r.order_id AS "orderId", r.status,
              coalesce(json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity) ORDER BY i.sku)
                         FILTER (WHERE i.sku IS NOT NULL), '[]') AS items
         FROM reservations r LEFT JOIN reservation_items i ON i.reservation_id = r.id
        GROUP BY r.id ORDER BY r.created_at, r.id`,
    );
    return rows;
  }

  /** Each product's movements in, against its stock and its held and committed reservations. */
  async ledger(): Promise<StockLedgerLine[]> {
    const { rows } = await this.pool.query<StockLedgerLine>(
      `SELECT p.sku,
              (SELECT coalesce(sum(quantity), 0)::int FROM stock_movements m WHERE m.sku = p.sku) AS "putIn",
              p.stock,
              coalesce(sum(i.quantity) FILTER (WHERE r.status = 'HELD'), 0)::int AS held,
              coalesce(sum(i.quantity) FILTER (WHERE r.status = 'COMMITTED'), 0)::int AS committed
         FROM products p
         LEFT JOIN reservation_items i ON i.sku = p.sku
         LEFT JOIN reservations r ON r.id = i.reservation_id
        GROUP BY p.sku ORDER BY p.sku`,
    );
    return rows;
  }

  async product(sku: string): Promise<ProductView | undefined> {
    const { rows } = await this.pool.query<ProductView>(
      `SELECT sku, name, price_cents AS "priceCents", stock FROM products WHERE sku = $1`,
      [sku],
    );
    return rows[0];
  }

  async reservation(orderId: string): Promise<ReservationView | undefined> {
    const { rows } = await this.pool.query<ReservationRow>(RESERVATION, [orderId]);
    return rows[0] ? view(rows[0]) : undefined;
  }

  /**
   * Reserves every item or none, in one transaction. Stock is taken with `UPDATE … WHERE stock >= quantity`
   * (a row lock; SKUs in a fixed order so concurrent reservations cannot deadlock), and a CHECK constraint keeps it
   * from ever going negative. A second call for the same order returns the first reservation (`created: false`).
   */
  async reserve(orderId: string, items: Item[]): Promise<{ reservation: ReservationView; created: boolean }> {
    try {
      return await withTransaction(this.pool, async (client) => {
        const existing = await this.existing(client, orderId, items);
        if (existing) return { reservation: existing, created: false };
        const skus = items.map((i) => i.sku);
        const { rows: known } = await client.query<{ sku: string }>(`SELECT sku FROM products WHERE sku = ANY($1)`, [
          skus,
        ]);
        const unknown = skus.filter((s) => !known.some((k) => k.sku === s));
        if (unknown.length) throw new UnknownSkuError(unknown);
        const missing: string[] = [];
        for (const item of [...items].sort((a, b) => a.sku.localeCompare(b.sku))) {
          const { rowCount } = await client.query(
            `UPDATE products SET stock = stock - $2, updated_at = now() WHERE sku = $1 AND stock >= $2`,
            [item.sku, item.quantity],
          );
          if (rowCount === 0) missing.push(item.sku);
        }
        if (missing.length) throw new OutOfStockError(missing);
        const id = randomUUID();
        await client.query(`INSERT INTO reservations (id, order_id, status) VALUES ($1, $2, 'HELD')`, [id, orderId]);
        for (const item of items) {
          await client.query(`INSERT INTO reservation_items (reservation_id, sku, quantity) VALUES ($1, $2, $3)`, [
            id,
            item.sku,
            item.quantity,
          ]);
        }
        await addToOutbox(
          client,
          createEnvelope(
            'inventory.stock-reserved.v1',
            { reservationId: id, orderId, items },
            { correlationId: currentCorrelationId() ?? orderId },
          ),
        );
        const { rows } = await client.query<ReservationRow>(RESERVATION, [orderId]);
        return { reservation: view(rows[0]!), created: true };
      });
    } catch (error) {
      // A concurrent reservation for the same order won the unique index: ours rolled back; answer with theirs.
      if (isPgError(error, UNIQUE_VIOLATION, 'reservations_order_id_key')) {
        const winner = await this.reservation(orderId);
        if (winner && sameItems(winner.items, items)) return { reservation: winner, created: false };
        throw new ReservationConflictError(`Order ${orderId} already has a reservation with other items`);
      }
      throw error;
    }
  }

  /**
   * HELD → RELEASED (stock back) or HELD → COMMITTED (stock stays sold). Repeating the same transition is a no-op;
   * the other one after it is a conflict. Returns whether this call changed anything.
   */
  async transition(
    orderId: string,
    to: 'RELEASED' | 'COMMITTED',
  ): Promise<{ reservation: ReservationView; changed: boolean }> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ id: string; status: ReservationStatus }>(
        `SELECT id, status FROM reservations WHERE order_id = $1 FOR UPDATE`,
        [orderId],
      );
      const current = rows[0];
      if (!current) throw new ReservationNotFoundError(orderId);
      if (current.status === to) {
        return { reservation: (await this.read(client, orderId))!, changed: false };
      }
      if (current.status !== 'HELD') {
        throw new ReservationConflictError(`Reservation of order ${orderId} is ${current.status}; cannot become ${to}`);
      }
      if (to === 'RELEASED') {
        await client.query(
          `UPDATE products p SET stock = p.stock + i.quantity, updated_at = now()
             FROM reservation_items i WHERE i.reservation_id = $1 AND p.sku = i.sku`,
          [current.id],
        );
      }
      await client.query(`UPDATE reservations SET status = $2, updated_at = now() WHERE id = $1`, [current.id, to]);
      const correlationId = currentCorrelationId() ?? orderId;
      const data = { reservationId: current.id, orderId };
      await addToOutbox(
        client,
        to === 'RELEASED'
          ? createEnvelope('inventory.stock-released.v1', data, { correlationId })
          : createEnvelope('inventory.stock-committed.v1', data, { correlationId }),
      );
      return { reservation: (await this.read(client, orderId))!, changed: true };
    });
  }

  private async read(client: PoolClient, orderId: string): Promise<ReservationView | undefined> {
    const { rows } = await client.query<ReservationRow>(RESERVATION, [orderId]);
    return rows[0] ? view(rows[0]) : undefined;
  }

  private async existing(client: PoolClient, orderId: string, items: Item[]): Promise<ReservationView | undefined> {
    const found = await this.read(client, orderId);
    if (!found) return undefined;
    if (!sameItems(found.items, items)) {
      throw new ReservationConflictError(`Order ${orderId} already has a reservation with other items`);
    }
    return found;
  }
}
