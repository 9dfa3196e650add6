import { describe, expect, it } from '@jest/globals';
import { renderToStaticMarkup } from 'react-dom/server';
import { TimelineView } from '../src/components/TimelineView.js';
import { applyStreamEvent, emptyTimeline, fromHistory, type SagaTransition, type Timeline } from '../src/timeline.js';

const at = (s: number) => `2026-11-29T10:00:${String(s).padStart(2, '0')}.000Z`;
const tr = (to: string, detail: string | null, s: number, from: string | null = null): SagaTransition => ({
  from,
  to,
  detail,
  at: at(s),
});

const happy: SagaTransition[] = [
  tr('STARTED', 'order created', 0),
  tr('PAYMENT_AUTHORIZED', 'payment authorized', 1),
  tr('STOCK_RESERVED', 'stock reserved', 2),
  tr('AWAITING_SHIPMENT', 'shipment requested', 3),
  tr('SHIPPED', 'shipment s1 created', 4),
  tr('PAYMENT_CAPTURED', 'payment captured', 5),
  tr('STOCK_COMMITTED', 'stock committed', 6),
  tr('APPROVED', 'order approved', 7),
];

/** The rendered step cards: name → state. */
function rendered(t: Timeline) {
  const html = renderToStaticMarkup(<TimelineView timeline={t} />);
  const steps = Object.fromEntries(
    [...html.matchAll(/data-step="(\w+)" data-state="(\w+)"/g)].map((m) => [m[1], m[2]]),
  );
  return { html, steps };
}

describe('saga timeline', () => {
  it('renders every step done for an approved order, in order, with times', () => {
    const { html, steps } = rendered(
      fromHistory({ status: 'APPROVED' }, { state: 'APPROVED', reason: null, waiting: null, steps: happy }),
    );
    expect(steps).toEqual({ payment: 'done', stock: 'done', shipping: 'done', approval: 'done' });
    expect(html).toContain('<strong>APPROVED</strong>');
    expect(html).toMatch(/Payment.*captured.*Stock.*committed.*Shipping.*shipped.*Approval.*approved/s);
    expect(html).not.toContain('compensation');
  });

  it('renders a rejected order: the failed step, the compensations marked as such, the reason', () => {
    const steps = [
      tr('STARTED', 'order created', 0),
      tr('PAYMENT_AUTHORIZED', 'payment authorized', 1),
      tr('COMPENSATING', 'out of stock: LAMP-DESK', 2),
      tr('COMPENSATING', 'payment voided', 3),
      tr('REJECTED', 'order rejected: out of stock: LAMP-DESK', 4),
    ];
    const t = fromHistory(
      { status: 'REJECTED', reason: 'out of stock: LAMP-DESK' },
      { state: 'REJECTED', reason: 'out of stock: LAMP-DESK', waiting: null, steps },
    );
    const { html, steps: states } = rendered(t);
    expect(states).toEqual({ payment: 'compensated', stock: 'failed', shipping: 'pending', approval: 'failed' });
    expect(html).toContain('— out of stock: LAMP-DESK');
    expect(html).toMatch(/<li class="event compensation" data-compensation="true">.*?payment voided/s);
    expect(t.events.filter((e) => e.compensation).map((e) => e.text)).toEqual(['payment voided']);
  });

  it('renders a waiting saga (breaker open) and clears the note when the saga moves again', () => {
    let t = fromHistory(
      { status: 'PENDING' },
      {
        state: 'STARTED',
        reason: null,
        waiting: 'parked: circuit saga-orchestrator->payment-service is open',
        steps: [tr('STARTED', 'order created', 0)],
      },
    );
    expect(rendered(t).html).toContain('Waiting: parked: circuit saga-orchestrator-&gt;payment-service is open');
    expect(rendered(t).steps).toEqual({
      payment: 'pending',
      stock: 'pending',
      shipping: 'pending',
      approval: 'pending',
    });
    t = applyStreamEvent(t, {
      type: 'step',
      id: 'e1',
      data: { step: 'payment', event: 'payments.payment-authorized.v1', compensation: false, at: at(9) },
    });
    expect(rendered(t).html).not.toContain('Waiting');
    expect(rendered(t).steps.payment).toBe('done');
  });

  it('moves with the live stream: steps, compensations, the final status; a repeated event changes nothing', () => {
    let t = emptyTimeline();
    const events = [
      { type: 'status' as const, id: 's0', data: { status: 'PENDING' as const, at: at(0) } },
      {
        type: 'step' as const,
        id: 'e1',
        data: { step: 'payment' as const, event: 'payments.payment-authorized.v1', compensation: false, at: at(1) },
      },
      {
        type: 'step' as const,
        id: 'e2',
        data: {
          step: 'stock' as const,
          event: 'inventory.stock-reservation-failed.v1',
          compensation: false,
          at: at(2),
        },
      },
      {
        type: 'step' as const,
        id: 'e3',
        data: { step: 'payment' as const, event: 'payments.payment-voided.v1', compensation: true, at: at(3) },
      },
      {
        type: 'status' as const,
        id: 's1',
        data: { status: 'REJECTED' as const, reason: 'out of stock: LAMP-DESK', at: at(4) },
      },
    ];
    for (const e of events) t = applyStreamEvent(t, e);
    const again = applyStreamEvent(t, events[3]!);
    expect(again).toBe(t);
    const { html, steps } = rendered(t);
    expect(steps).toEqual({ payment: 'compensated', stock: 'failed', shipping: 'pending', approval: 'failed' });
    expect(t.status).toBe('REJECTED');
    expect(html).toContain('payment voided');
    expect(t.events.map((e) => [e.text, e.compensation])).toEqual([
      ['payment authorized', false],
      ['stock out of stock', false],
      ['payment voided', true],
      ['order rejected: out of stock: LAMP-DESK', false],
    ]);
  });
});
