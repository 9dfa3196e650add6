import { ZodDto } from '@refarch/bootstrap';
import { z } from 'zod';

export const orderIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -');

export const authorizeSchema = z.strictObject({
  orderId: orderIdSchema,
  userId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 letters, digits or . _ : -'),
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
