import type { Cart } from './cart.js';

/**
 * One Idempotency-Key per checkout: the key is made when the shopper starts paying for *this* cart and is reused
 * for every send of it — a double click, a retry after a timeout or a lost answer — so the gateway (and the
 * order-service behind it) makes exactly one order. A changed cart is another checkout, with a new key; a checkout
 * that produced an order is over (the next one gets a new key).
 */
export class Checkout {
  private key: string | undefined;
  private fingerprint: string | undefined;
  private inFlight: Promise<CheckoutResult> | undefined;

  constructor(
    private readonly send: (cart: Cart, idempotencyKey: string) => Promise<CheckoutResult>,
    private readonly newKey: () => string = () => crypto.randomUUID(),
  ) {}

  /** The key the next submit of `cart` will use. */
  keyFor(cart: Cart): string {
    const fingerprint = JSON.stringify([...cart].sort((a, b) => a.sku.localeCompare(b.sku)));
    if (this.key === undefined || fingerprint !== this.fingerprint) {
      this.key = this.newKey();
      this.fingerprint = fingerprint;
    }
    return this.key;
  }

  /**
   * Places the order for `cart`. Concurrent calls (a double click) share one request; a failed request keeps the key
   * so a retry cannot make a second order; a success ends this checkout.
   */
  submit(cart: Cart): Promise<CheckoutResult> {
    if (this.inFlight) return this.inFlight;
    const key = this.keyFor(cart);
    this.inFlight = this.send(cart, key)
      .then((result) => {
        if (result.ok) {
          this.key = undefined;
          this.fingerprint = undefined;
        }
        return result;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

export type CheckoutResult = { ok: true; orderId: string } | { ok: false; message: string; retryable: boolean };
