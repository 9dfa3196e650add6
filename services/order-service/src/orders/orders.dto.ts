import { identifierSchema, ZodDto } from '@refarch/bootstrap';
import { z } from 'zod';

export const createOrderSchema = z.strictObject({
  items: z
    .array(
      z.strictObject({
        sku: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'must be an upper-case SKU like MUG-CLASSIC'),
        quantity: z.number().int().min(1).max(1_000),
      }),
    )
    .min(1, 'must not be empty')
    .max(50, 'at most 50 lines')
    .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, 'each SKU at most once'),
});
export class CreateOrderDto extends ZodDto(createOrderSchema) {}

export const rejectSchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must be plain text'),
});
export class RejectDto extends ZodDto(rejectSchema) {}

export const orderIdSchema = z.uuid('must be a UUID');
/** Set by the api-gateway from the verified access token (never by end clients: the service is cluster-internal). */
export const userIdSchema = identifierSchema;
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{8,128}$/, 'must be 8–128 printable ASCII characters');
export const listQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50) });
export class ListQueryDto extends ZodDto(listQuerySchema) {}
