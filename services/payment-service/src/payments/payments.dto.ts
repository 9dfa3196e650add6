import { identifierSchema, ZodDto } from '@refarch/bootstrap';
import { z } from 'zod';

export const orderIdSchema = identifierSchema;

export const authorizeSchema = z.strictObject({
  orderId: orderIdSchema,
  userId: identifierSchema,
  /** Integer cents, 1 cent to 10 million. */
  amountCents: z.number().int('must be an integer number of cents').min(1).max(1_000_000_000),
});
export class AuthorizeDto extends ZodDto(authorizeSchema) {}

export type PaymentStatus = 'AUTHORIZED' | 'DECLINED' | 'CAPTURED' | 'VOIDED' | 'REFUNDED';

export interface PaymentView {
  paymentId: string;
  orderId: string;
  userId: string;
  amountCents: number;
  status: PaymentStatus;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}
