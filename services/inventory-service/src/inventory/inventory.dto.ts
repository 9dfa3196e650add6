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
