import { z } from 'zod';

const id = z.string().min(1).max(128);
const cents = z.number().int().nonnegative();
const sku = z.string().min(1).max(64);
const items = z.array(z.strictObject({ sku, quantity: z.number().int().positive() })).min(1);
const pricedItems = z.array(z.strictObject({ sku, quantity: z.number().int().positive(), priceCents: cents })).min(1);
const reason = z.string().min(1).max(500);

/**
 * Every message type of the stack and the schema of its `data`. Events are published to the `refarch.events`
 * topic exchange with the type as routing key; commands (`*.command.*`-free names below marked "command") are sent
 * to the handler's own queue. A new version of an event is a new entry (`.v2`), never an edit of `.v1`.
 */
export const MESSAGES = {
  // users
  'users.user-registered.v1': z.strictObject({ userId: id, email: z.string().max(254), name: z.string().max(100) }),

  // orders (docs/architecture.md §3)
  'orders.order-created.v1': z.strictObject({ orderId: id, userId: id, items: pricedItems, totalCents: cents }),
  'orders.order-approved.v1': z.strictObject({ orderId: id, userId: id, totalCents: cents }),
  'orders.order-rejected.v1': z.strictObject({ orderId: id, userId: id, reason }),

  // payments
  'payments.payment-authorized.v1': z.strictObject({ paymentId: id, orderId: id, userId: id, amountCents: cents }),
  'payments.payment-declined.v1': z.strictObject({ orderId: id, userId: id, amountCents: cents, reason }),
  'payments.payment-captured.v1': z.strictObject({ paymentId: id, orderId: id, amountCents: cents }),
  'payments.payment-voided.v1': z.strictObject({ paymentId: id, orderId: id, amountCents: cents }),
  'payments.payment-refunded.v1': z.strictObject({ paymentId: id, orderId: id, amountCents: cents }),

  // inventory
  'inventory.stock-reserved.v1': z.strictObject({ reservationId: id, orderId: id, items }),
  'inventory.stock-reservation-failed.v1': z.strictObject({ orderId: id, missingSkus: z.array(sku).min(1) }),
  'inventory.stock-released.v1': z.strictObject({ reservationId: id, orderId: id }),
  'inventory.stock-committed.v1': z.strictObject({ reservationId: id, orderId: id }),

  // shipping: commands (sent to the shipping worker's queue) and its reply events
  'shipping.create-shipment.v1': z.strictObject({ orderId: id, userId: id, items }),
  'shipping.cancel-shipment.v1': z.strictObject({ orderId: id, reason }),
  'shipping.shipment-created.v1': z.strictObject({ shipmentId: id, orderId: id }),
  'shipping.shipment-failed.v1': z.strictObject({ orderId: id, reason }),
  'shipping.shipment-cancelled.v1': z.strictObject({ shipmentId: id, orderId: id }),
  // shop: what shoppers do in the frontend, sent in batches to the gateway's POST /api/events, which adds the signed-in
  // caller's userId (never the client) and publishes them; the analytics worker counts them.
  'shop.product-viewed.v1': z.strictObject({ sessionId: id, userId: id.optional(), sku }),
  'shop.cart-item-added.v1': z.strictObject({
    sessionId: id,
    userId: id.optional(),
    sku,
    quantity: z.number().int().positive().max(99),
  }),
  'shop.checkout-started.v1': z.strictObject({
    sessionId: id,
    userId: id.optional(),
    itemCount: z.number().int().positive().max(1000),
  }),
  // generated services' events (npx nx g @refarch/plugin:service --publishes) go above this line
} as const;

export type MessageType = keyof typeof MESSAGES;
export type MessageData<T extends MessageType> = z.output<(typeof MESSAGES)[T]>;

export function isMessageType(type: string): type is MessageType {
  return Object.prototype.hasOwnProperty.call(MESSAGES, type);
}

/** Message types that are commands (sent to one handler's queue), not events (published to refarch.events). */
export const COMMANDS: ReadonlySet<MessageType> = new Set<MessageType>([
  'shipping.create-shipment.v1',
  'shipping.cancel-shipment.v1',
]);

/** Queue of the shipping worker's commands (`shipping.create-shipment.v1`, `shipping.cancel-shipment.v1`). */
export const SHIPPING_COMMANDS_QUEUE = 'shipping-worker';
