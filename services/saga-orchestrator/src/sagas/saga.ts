export type SagaState =
  | 'STARTED'
  | 'PAYMENT_AUTHORIZED'
  | 'STOCK_RESERVED'
  | 'AWAITING_SHIPMENT'
  | 'SHIPPED'
  | 'PAYMENT_CAPTURED'
  | 'STOCK_COMMITTED'
  | 'APPROVED'
  | 'COMPENSATING'
  | 'REJECTED'
  | 'COMPENSATION_FAILED';

export const TERMINAL: readonly SagaState[] = ['APPROVED', 'REJECTED', 'COMPENSATION_FAILED'];
/** Before the shipment exists a failure is compensated; from SHIPPED on (the pivot) the saga only goes forward. */
export const BEFORE_PIVOT: readonly SagaState[] = [
  'STARTED',
  'PAYMENT_AUTHORIZED',
  'STOCK_RESERVED',
  'AWAITING_SHIPMENT',
];

export interface Saga {
  id: string;
  orderId: string;
  userId: string;
  items: { sku: string; quantity: number; priceCents: number }[];
  totalCents: number;
  correlationId: string;
  /** The trace of the message that started it (null for sagas older than the column): every step continues it. */
  traceId: string | null;
  /** The span that started it, with tracing on: every step span is its child. */
  traceParent: string | null;
  /** The step span that last parked or postponed it, with tracing on: the resumed step links to it. */
  parkedBy: string | null;
  state: SagaState;
  paymentAuthorized: boolean;
  stockReserved: boolean;
  shipmentRequested: boolean;
  reason: string | null;
  waiting: string | null;
  attempts: number;
  nextAttemptAt: Date;
  stepDeadlineAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SagaTransitionRecord {
  from: SagaState | null;
  to: SagaState;
  detail: string | null;
  at: string;
}
