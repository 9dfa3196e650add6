import { describe, expect, it, jest } from '@jest/globals';
import type { Cart } from '../src/cart.js';
import { Checkout, type CheckoutResult } from '../src/checkout.js';

function setup(results: CheckoutResult[]) {
  let n = 0;
  const sent: string[] = [];
  const resolvers: (() => void)[] = [];
  const send = jest.fn(async (_cart: Cart, key: string) => {
    sent.push(key);
    await new Promise<void>((r) => resolvers.push(r));
    return results.shift()!;
  });
  const checkout = new Checkout(send, () => `key-${++n}`);
  const release = () => resolvers.splice(0).forEach((r) => r());
  return { checkout, send, sent, release };
}

const cart: Cart = [{ sku: 'MUG-CLASSIC', quantity: 1 }];

describe('one Idempotency-Key per checkout', () => {
  it('a double click sends one request', async () => {
    const { checkout, send, release } = setup([{ ok: true, orderId: 'o1' }]);
    const first = checkout.submit(cart);
    const second = checkout.submit(cart);
    release();
    expect(await first).toEqual({ ok: true, orderId: 'o1' });
    expect(await second).toEqual({ ok: true, orderId: 'o1' });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('a retry after a failure reuses the key (the gateway answers it with the same order)', async () => {
    const { checkout, sent, release } = setup([
      { ok: false, message: 'unreachable', retryable: true },
      { ok: true, orderId: 'o1' },
    ]);
    const failed = checkout.submit(cart);
    release();
    expect((await failed).ok).toBe(false);
    const retried = checkout.submit(cart);
    release();
    expect(await retried).toEqual({ ok: true, orderId: 'o1' });
    expect(sent).toEqual(['key-1', 'key-1']);
  });

  it('a changed cart, or the next checkout after an order, gets a new key', async () => {
    const { checkout, sent, release } = setup([
      { ok: false, message: 'x', retryable: true },
      { ok: true, orderId: 'o1' },
      { ok: true, orderId: 'o2' },
    ]);
    const a = checkout.submit(cart);
    release();
    await a;
    const bigger: Cart = [{ sku: 'MUG-CLASSIC', quantity: 2 }];
    const b = checkout.submit(bigger);
    release();
    await b;
    const c = checkout.submit(bigger);
    release();
    await c;
    expect(sent).toEqual(['key-1', 'key-2', 'key-3']);
  });

  it('the same lines in another order are the same checkout', () => {
    const { checkout } = setup([]);
    const key = checkout.keyFor([
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 2 },
    ]);
    expect(
      checkout.keyFor([
        { sku: 'B', quantity: 2 },
        { sku: 'A', quantity: 1 },
      ]),
    ).toBe(key);
  });
});
