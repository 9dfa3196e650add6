// The HTTP API shapes more than one service relies on (docs/architecture.md §5), declared once: order-service answers
// them, the api-gateway passes them on, the frontend reads them (type-only), the saga matches the error codes.

/** An order's status: PENDING until the saga approves or rejects it. */
export type OrderStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

export interface OrderItemView {
  sku: string;
  quantity: number;
  /** The catalog's price when the order was placed, in integer cents. */
  priceCents: number;
}

/** An order as order-service answers it (`GET /orders/:id`), with its owner. */
export interface OrderView {
  orderId: string;
  userId: string;
  status: OrderStatus;
  items: OrderItemView[];
  totalCents: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
}

/** An order as the public API shows it (`GET /api/orders/:id`): the owner is implied by the token. */
export type PublicOrderView = Omit<OrderView, 'userId'>;

/** Problem codes that another service (or the frontend) acts on: a change here is a contract change. */
export const ERROR_CODES = {
  ORDER_NOT_FOUND: 'ORDERS.NOT_FOUND',
  PAYMENT_DECLINED: 'PAYMENTS.DECLINED',
  OUT_OF_STOCK: 'INVENTORY.OUT_OF_STOCK',
  UNKNOWN_SKU: 'INVENTORY.UNKNOWN_SKU',
  RATE_LIMITED: 'RATE_LIMIT.EXCEEDED',
} as const;
