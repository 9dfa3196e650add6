/**
 * What kind of failure an order's rejection reason (`orders.order-rejected.v1` `reason`, written by the saga) is: the
 * one place that reads the saga's reason texts, for the customer's email and the analytics by reason.
 */
export const REJECTION_KINDS = ['payment_declined', 'out_of_stock', 'shipping_failed', 'timed_out', 'other'] as const;
export type RejectionKind = (typeof REJECTION_KINDS)[number];

export function rejectionKind(reason: string): RejectionKind {
  const r = reason.toLowerCase();
  if (r.includes('payment declined')) return 'payment_declined';
  if (r.includes('out of stock')) return 'out_of_stock';
  if (r.includes('deadline')) return 'timed_out';
  if (r.includes('shipping') || r.includes('shipment')) return 'shipping_failed';
  return 'other';
}
