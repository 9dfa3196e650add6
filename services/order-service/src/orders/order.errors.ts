import { ERROR_CODES } from '@refarch/contracts';
import { AppError, ConflictError, NotFoundError, UnprocessableError } from '@refarch/errors';

export class OrderNotFoundError extends NotFoundError {
  constructor(orderId: string) {
    super(ERROR_CODES.ORDER_NOT_FOUND, `Order ${orderId} does not exist`);
  }
}

/** The Idempotency-Key was used by this user for another request body. */
export class IdempotencyMismatchError extends UnprocessableError {
  constructor() {
    super('ORDERS.IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body');
  }
}

export class UnknownProductError extends AppError {
  constructor(skus: string[]) {
    super('ORDERS.UNKNOWN_SKU', 422, 'Unprocessable Content', {
      detail: `Unknown SKU: ${skus.join(', ')}`,
      extensions: { unknownSkus: skus },
    });
  }
}

export class IllegalTransitionError extends ConflictError {
  constructor(orderId: string, from: string, to: string) {
    super('ORDERS.ILLEGAL_TRANSITION', `Order ${orderId} is ${from}; it cannot become ${to}`);
  }
}
