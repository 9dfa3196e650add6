/**
 * The saga timeline of one order, built from the composed view (`GET /api/orders/:id/full`: the saga's recorded
 * transitions) and then moved by the live stream (`GET /api/orders/:id/events`). Pure: the page renders what this
 * returns.
 */
export type StepName = 'payment' | 'stock' | 'shipping' | 'approval';
export type StepState = 'pending' | 'waiting' | 'done' | 'failed' | 'compensated';
import type { OrderStatus } from '@refarch/contracts/api';

export type { OrderStatus };

export interface Step {
  name: StepName;
  state: StepState;
  /** What happened last, e.g. "authorized", "captured", "voided". */
  label: string;
  at?: string;
}

export interface TimelineEvent {
  step: StepName | 'saga';
  text: string;
  at: string;
  compensation: boolean;
  failure: boolean;
}

export interface Timeline {
  status: OrderStatus;
  reason?: string;
  /** Why the saga is not moving (a breaker open, retrying), from the saga; cleared by progress. */
  waiting?: string;
  steps: Record<StepName, Step>;
  events: TimelineEvent[];
  /** Event ids already applied (the stream and the history overlap). */
  seen: readonly string[];
}

export const STEP_ORDER: readonly StepName[] = ['payment', 'stock', 'shipping', 'approval'];
export const STEP_TITLES: Record<StepName, string> = {
  payment: 'Payment',
  stock: 'Stock',
  shipping: 'Shipping',
  approval: 'Approval',
};

export function emptyTimeline(status: OrderStatus = 'PENDING'): Timeline {
  const steps = Object.fromEntries(
    STEP_ORDER.map((name) => [name, { name, state: 'pending', label: 'not started' } satisfies Step]),
  ) as Record<StepName, Step>;
  return { status, steps, events: [], seen: [] };
}

/** A saga transition as `/full` lists it (`saga.steps`). */
export interface SagaTransition {
  from: string | null;
  to: string;
  detail: string | null;
  at: string;
}

/** What each recorded transition means for the steps. */
const TRANSITIONS: Record<string, { step: StepName; state: StepState; label: string }> = {
  PAYMENT_AUTHORIZED: { step: 'payment', state: 'done', label: 'authorized' },
  STOCK_RESERVED: { step: 'stock', state: 'done', label: 'reserved' },
  AWAITING_SHIPMENT: { step: 'shipping', state: 'waiting', label: 'requested' },
  SHIPPED: { step: 'shipping', state: 'done', label: 'shipped' },
  PAYMENT_CAPTURED: { step: 'payment', state: 'done', label: 'captured' },
  STOCK_COMMITTED: { step: 'stock', state: 'done', label: 'committed' },
  APPROVED: { step: 'approval', state: 'done', label: 'approved' },
};
const COMPENSATIONS: Record<string, { step: StepName; label: string }> = {
  'payment voided': { step: 'payment', label: 'voided' },
  'stock released': { step: 'stock', label: 'released' },
  'shipment cancellation sent': { step: 'shipping', label: 'cancelled' },
};

function withStep(t: Timeline, name: StepName, state: StepState, label: string, at: string): Timeline {
  return { ...t, steps: { ...t.steps, [name]: { name, state, label, at } } };
}

function log(t: Timeline, event: TimelineEvent): Timeline {
  return { ...t, events: [...t.events, event] };
}

/** The timeline as the saga recorded it so far (history loaded with the page). */
export function fromHistory(
  order: { status: OrderStatus; reason?: string },
  saga: { state: string; reason: string | null; waiting: string | null; steps: SagaTransition[] } | null,
): Timeline {
  let t = emptyTimeline(order.status);
  for (const tr of saga?.steps ?? []) t = applyTransition(t, tr);
  t = { ...t, status: order.status, ...(order.reason ? { reason: order.reason } : {}) };
  if (saga?.waiting && order.status === 'PENDING') t = { ...t, waiting: saga.waiting };
  if (order.status === 'REJECTED' && t.steps.approval.state !== 'failed') {
    t = withStep(t, 'approval', 'failed', 'rejected', t.events.at(-1)?.at ?? '');
  }
  return t;
}

export function applyTransition(t: Timeline, tr: SagaTransition): Timeline {
  const known = TRANSITIONS[tr.to];
  if (known) {
    const next = withStep(t, known.step, known.state, known.label, tr.at);
    return log(next, {
      step: known.step,
      text: tr.detail ?? known.label,
      at: tr.at,
      compensation: false,
      failure: false,
    });
  }
  if (tr.to === 'STARTED') {
    return log(t, { step: 'saga', text: 'saga started', at: tr.at, compensation: false, failure: false });
  }
  if (tr.to === 'COMPENSATING') {
    const compensation = tr.detail ? COMPENSATIONS[tr.detail] : undefined;
    if (compensation) {
      const next = withStep(t, compensation.step, 'compensated', compensation.label, tr.at);
      return log(next, { step: compensation.step, text: tr.detail!, at: tr.at, compensation: true, failure: false });
    }
    // Entering compensation: the business failure that caused it (declined, out of stock, shipment failed).
    const failed = failedStep(tr.detail ?? '');
    const next = failed ? withStep(t, failed, 'failed', 'failed', tr.at) : t;
    return log(next, {
      step: failed ?? 'saga',
      text: tr.detail ?? 'compensating',
      at: tr.at,
      compensation: false,
      failure: true,
    });
  }
  if (tr.to === 'REJECTED') {
    const next = withStep(t, 'approval', 'failed', 'rejected', tr.at);
    return log(next, {
      step: 'approval',
      text: tr.detail ?? 'order rejected',
      at: tr.at,
      compensation: false,
      failure: true,
    });
  }
  if (tr.to === 'COMPENSATION_FAILED') {
    return log(t, {
      step: 'saga',
      text: tr.detail ?? 'compensation failed',
      at: tr.at,
      compensation: true,
      failure: true,
    });
  }
  return t;
}

function failedStep(reason: string): StepName | undefined {
  if (/payment/i.test(reason)) return 'payment';
  if (/stock/i.test(reason)) return 'stock';
  if (/ship/i.test(reason)) return 'shipping';
  return undefined;
}

/** A server-sent event of the order stream. */
export type StreamEvent =
  | { type: 'status'; id?: string; data: { status: OrderStatus; reason?: string; at: string } }
  | {
      type: 'step';
      id?: string;
      data: { step: Exclude<StepName, 'approval'>; event: string; compensation: boolean; at: string };
    };

const STEP_EVENTS: Record<string, { state: StepState; label: string }> = {
  'payments.payment-authorized.v1': { state: 'done', label: 'authorized' },
  'payments.payment-declined.v1': { state: 'failed', label: 'declined' },
  'payments.payment-captured.v1': { state: 'done', label: 'captured' },
  'payments.payment-voided.v1': { state: 'compensated', label: 'voided' },
  'payments.payment-refunded.v1': { state: 'compensated', label: 'refunded' },
  'inventory.stock-reserved.v1': { state: 'done', label: 'reserved' },
  'inventory.stock-reservation-failed.v1': { state: 'failed', label: 'out of stock' },
  'inventory.stock-committed.v1': { state: 'done', label: 'committed' },
  'inventory.stock-released.v1': { state: 'compensated', label: 'released' },
  'shipping.shipment-created.v1': { state: 'done', label: 'shipped' },
  'shipping.shipment-failed.v1': { state: 'failed', label: 'failed' },
  'shipping.shipment-cancelled.v1': { state: 'compensated', label: 'cancelled' },
};

/** Moves the timeline by one live event; an event seen before (by id) changes nothing. */
export function applyStreamEvent(t: Timeline, event: StreamEvent): Timeline {
  if (event.id && t.seen.includes(event.id)) return t;
  const seen = event.id ? [...t.seen, event.id] : t.seen;
  if (event.type === 'status') {
    const { status, reason, at } = event.data;
    let next: Timeline = { ...t, seen, status, ...(reason ? { reason } : {}) };
    if (status !== 'PENDING') {
      const { waiting: _waiting, ...rest } = next;
      next = rest;
    }
    if (status === 'APPROVED') next = withStep(next, 'approval', 'done', 'approved', at);
    if (status === 'REJECTED') next = withStep(next, 'approval', 'failed', 'rejected', at);
    if (status === t.status) return next;
    return log(next, {
      step: 'approval',
      text: status === 'PENDING' ? 'order placed' : `order ${status.toLowerCase()}${reason ? `: ${reason}` : ''}`,
      at,
      compensation: false,
      failure: status === 'REJECTED',
    });
  }
  const meaning = STEP_EVENTS[event.data.event];
  if (!meaning) return { ...t, seen };
  // Progress clears a "waiting" note: the saga is moving again.
  const { waiting: _waiting, ...moving } = t;
  const next = withStep({ ...moving, seen }, event.data.step, meaning.state, meaning.label, event.data.at);
  return log(next, {
    step: event.data.step,
    text: `${event.data.step} ${meaning.label}`,
    at: event.data.at,
    compensation: event.data.compensation,
    failure: meaning.state === 'failed',
  });
}

export const isTerminal = (status: OrderStatus) => status === 'APPROVED' || status === 'REJECTED';
