import { ERROR_CODES } from '@refarch/contracts';
import { AppError, ConflictError, NotFoundError } from '@refarch/errors';

/** A business outcome, not a fault: the payment is recorded as DECLINED and every replay answers the same. */
export class PaymentDeclinedError extends AppError {
  constructor(orderId: string, reason: string, paymentId: string) {
    super(ERROR_CODES.PAYMENT_DECLINED, 402, 'Payment Required', {
      detail: `The payment of order ${orderId} was declined: ${reason}`,
      extensions: { reason, paymentId, orderId },
    });
  }
}

export class PaymentNotFoundError extends NotFoundError {
  constructor(orderId: string) {
    super('PAYMENTS.NOT_FOUND', `No payment for order ${orderId}`);
  }
}

/** An illegal transition (capture after void…) or the same order authorized again with another amount or user. */
export class PaymentConflictError extends ConflictError {
  constructor(detail: string) {
    super('PAYMENTS.CONFLICT', detail);
  }
}
