import { ERROR_CODES } from '@refarch/contracts';
import { AppError, ConflictError, NotFoundError } from '@refarch/errors';

export class ProductNotFoundError extends NotFoundError {
  constructor(sku: string) {
    super('INVENTORY.PRODUCT_NOT_FOUND', `No product with SKU ${sku}`);
  }
}

/** Not enough stock for some items: nothing was reserved. */
export class OutOfStockError extends ConflictError {
  constructor(missingSkus: string[]) {
    super(ERROR_CODES.OUT_OF_STOCK, `Not enough stock for ${missingSkus.join(', ')}`, { missingSkus });
  }
}

export class UnknownSkuError extends AppError {
  constructor(unknownSkus: string[]) {
    super(ERROR_CODES.UNKNOWN_SKU, 422, 'Unprocessable Content', {
      detail: `Unknown SKU: ${unknownSkus.join(', ')}`,
      extensions: { unknownSkus },
    });
  }
}

export class ReservationNotFoundError extends NotFoundError {
  constructor(orderId: string) {
    super('INVENTORY.RESERVATION_NOT_FOUND', `No reservation for order ${orderId}`);
  }
}

/** An illegal transition (release after commit…) or a second reservation for one order with other items. */
export class ReservationConflictError extends ConflictError {
  constructor(detail: string) {
    super('INVENTORY.RESERVATION_CONFLICT', detail);
  }
}
