import { identifierSchema, ZodDto } from '@refarch/bootstrap';
import { z } from 'zod';

export const skuSchema = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'must be an upper-case SKU like MUG-CLASSIC');
export const orderIdSchema = identifierSchema;

export const reserveSchema = z.strictObject({
  orderId: orderIdSchema,
  items: z
    .array(z.strictObject({ sku: skuSchema, quantity: z.number().int().min(1).max(1_000) }))
    .min(1, 'must not be empty')
    .max(50, 'at most 50 lines')
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'each SKU at most once'),
});
export class ReserveDto extends ZodDto(reserveSchema) {}

/** `{add: N}` puts N more units of each product in; `{to: N}` tops each up to at least N; `skus` limits it. */
export const restockSchema = z
  .strictObject({
    add: z.number().int().min(1).max(1_000_000).optional(),
    to: z.number().int().min(0).max(1_000_000).optional(),
    skus: z.array(skuSchema).min(1).max(100).optional(),
  })
  .refine((body) => (body.add === undefined) !== (body.to === undefined), 'give exactly one of add or to');
export class RestockDto extends ZodDto(restockSchema) {}

/** One product's accounting: what was put in, and where it is now (npm run verify). */
export interface StockLedgerLine {
  sku: string;
  putIn: number;
  stock: number;
  held: number;
  committed: number;
}

export interface ProductView {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
}

export type ReservationStatus = 'HELD' | 'RELEASED' | 'COMMITTED';

export interface ReservationView {
  reservationId: string;
  orderId: string;
  status: ReservationStatus;
  items: { sku: string; quantity: number }[];
  createdAt: string;
  updatedAt: string;
}
