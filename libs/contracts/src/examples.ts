import type { MessageData, MessageType } from './events.js';

/**
 * One valid `data` of every message type (typed: a message added without an example does not compile), for tests
 * and docs: `createEnvelope(type, MESSAGE_EXAMPLES[type])`. Generated services' tests publish these.
 */
export const MESSAGE_EXAMPLES: { [T in MessageType]: MessageData<T> } = {
  'users.user-registered.v1': { userId: 'u-1', email: 'ann@example.com', name: 'Ann' },
  'orders.order-created.v1': {
    orderId: 'o-1',
    userId: 'u-1',
    items: [{ sku: 'SKU-1', quantity: 2, priceCents: 500 }],
    totalCents: 1000,
  },
  'orders.order-approved.v1': { orderId: 'o-1', userId: 'u-1', totalCents: 1000 },
  'orders.order-rejected.v1': { orderId: 'o-1', userId: 'u-1', reason: 'payment declined' },
  'payments.payment-authorized.v1': { paymentId: 'p-1', orderId: 'o-1', userId: 'u-1', amountCents: 1000 },
  'payments.payment-declined.v1': { orderId: 'o-1', userId: 'u-1', amountCents: 1000, reason: 'insufficient funds' },
  'payments.payment-captured.v1': { paymentId: 'p-1', orderId: 'o-1', amountCents: 1000 },
  'payments.payment-voided.v1': { paymentId: 'p-1', orderId: 'o-1', amountCents: 1000 },
  'payments.payment-refunded.v1': { paymentId: 'p-1', orderId: 'o-1', amountCents: 1000 },
  'inventory.stock-reserved.v1': { reservationId: 'r-1', orderId: 'o-1', items: [{ sku: 'SKU-1', quantity: 2 }] },
  'inventory.stock-reservation-failed.v1': { orderId: 'o-1', missingSkus: ['SKU-1'] },
  'inventory.stock-released.v1': { reservationId: 'r-1', orderId: 'o-1' },
  'inventory.stock-committed.v1': { reservationId: 'r-1', orderId: 'o-1' },
  'shipping.create-shipment.v1': { orderId: 'o-1', userId: 'u-1', items: [{ sku: 'SKU-1', quantity: 2 }] },
  'shipping.cancel-shipment.v1': { orderId: 'o-1', reason: 'payment declined' },
  'shipping.shipment-created.v1': { shipmentId: 's-1', orderId: 'o-1' },
  'shipping.shipment-failed.v1': { orderId: 'o-1', reason: 'no carrier' },
  'shipping.shipment-cancelled.v1': { shipmentId: 's-1', orderId: 'o-1' },
  'shop.product-viewed.v1': { sessionId: 'sess-1', userId: 'u-1', sku: 'SKU-1' },
  'shop.cart-item-added.v1': { sessionId: 'sess-1', userId: 'u-1', sku: 'SKU-1', quantity: 1 },
  'shop.checkout-started.v1': { sessionId: 'sess-1', itemCount: 2 },
  // generated services' examples (npx nx g @refarch/plugin:service --publishes) go above this line
};
