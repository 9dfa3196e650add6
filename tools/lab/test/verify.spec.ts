import { describe, expect, it } from '@jest/globals';
import { violations, type Ledger } from '../src/verify.js';

/** Two orders, one approved and one rejected (declined), and the stock that adds up. */
function consistent(): Ledger {
  return {
    orders: [
      { orderId: 'o1', status: 'APPROVED', totalCents: 1299 },
      { orderId: 'o2', status: 'REJECTED', totalCents: 2499 },
    ],
    payments: [
      { orderId: 'o1', status: 'CAPTURED', amountCents: 1299 },
      { orderId: 'o2', status: 'VOIDED', amountCents: 2499 },
    ],
    reservations: [
      { orderId: 'o1', status: 'COMMITTED', items: [{ sku: 'MUG', quantity: 1 }] },
      { orderId: 'o2', status: 'RELEASED', items: [{ sku: 'TEE', quantity: 1 }] },
    ],
    shipments: [
      { orderId: 'o1', status: 'CREATED' },
      { orderId: 'o2', status: 'CANCELLED' },
    ],
    stock: [
      { sku: 'MUG', putIn: 10, stock: 9, held: 0, committed: 1 },
      { sku: 'TEE', putIn: 5, stock: 5, held: 0, committed: 0 },
    ],
  };
}

const found = (ledger: Ledger) => violations(ledger).map((v) => `${v.invariant} | ${v.id} | ${v.detail}`);

describe('the saga invariants', () => {
  it('find nothing wrong in a consistent ledger', () => {
    expect(found(consistent())).toEqual([]);
  });

  it('name an order still PENDING', () => {
    const ledger = consistent();
    ledger.orders.push({ orderId: 'o3', status: 'PENDING', totalCents: 100 });
    expect(found(ledger)).toEqual(['every order is terminal | o3 | still PENDING']);
  });

  it('name a captured payment of a rejected order, and the money that no longer adds up', () => {
    const ledger = consistent();
    ledger.payments[1]!.status = 'CAPTURED';
    expect(found(ledger)).toEqual([
      'nothing held for a rejected order | o2 | rejected, but its payment is CAPTURED',
      'money captured = approved totals | all orders | captured 37.98, approved orders total 12.99',
    ]);
  });

  it('name an authorization or reservation left held for a rejected order', () => {
    const ledger = consistent();
    ledger.payments[1]!.status = 'AUTHORIZED';
    ledger.reservations[1]!.status = 'HELD';
    ledger.stock[1] = { sku: 'TEE', putIn: 5, stock: 4, held: 1, committed: 0 };
    expect(found(ledger)).toEqual([
      'nothing held for a rejected order | o2 | rejected, but its payment is AUTHORIZED',
      'nothing held for a rejected order | o2 | rejected, but its reservation is HELD',
    ]);
  });

  it('name an approved order captured for another amount', () => {
    const ledger = consistent();
    ledger.payments[0]!.amountCents = 999;
    expect(found(ledger)).toEqual([
      'money captured = approved totals | o1 | approved for 1299, captured 999',
      'money captured = approved totals | all orders | captured 9.99, approved orders total 12.99',
    ]);
  });

  it('name an order with two shipments, and a payment of no order', () => {
    const ledger = consistent();
    ledger.shipments.push({ orderId: 'o1', status: 'CREATED' });
    ledger.payments.push({ orderId: 'ghost', status: 'VOIDED', amountCents: 5 });
    expect(found(ledger)).toEqual([
      'one payment, reservation and shipment per order | ghost | payments for an order that does not exist',
      'one payment, reservation and shipment per order | o1 | 2 shipments',
    ]);
  });

  it('name stock that does not add up to what was put in', () => {
    const ledger = consistent();
    ledger.stock[0]!.stock = 8;
    expect(found(ledger)).toEqual([
      'stock + held + committed = put in | MUG | 10 put in, but 8 in stock + 0 held + 1 committed = 9',
    ]);
  });
});
