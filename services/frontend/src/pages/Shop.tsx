import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, type Api } from '../api.js';
import { addToCart, formatCents, itemCount, priceCart, setQuantity, type Cart } from '../cart.js';
import { Checkout } from '../checkout.js';
import { usePolling } from '../polling.js';
import type { ShopEventTracker } from '../shop-events.js';
import { describe } from './Auth.js';

/** Catalog with live stock (refreshed every few seconds), the cart, and checkout with one Idempotency-Key. */
export function ShopPage({
  api,
  tracker,
  cart,
  setCart,
  signedIn,
  onOrdered,
}: {
  api: Api;
  tracker: ShopEventTracker;
  cart: Cart;
  setCart: (cart: Cart) => void;
  signedIn: boolean;
  onOrdered: (orderId: string) => void;
}) {
  const [error, setError] = useState<string>();
  const [placing, setPlacing] = useState(false);
  const checkout = useMemo(
    () =>
      new Checkout(async (lines, key) => {
        try {
          const { orderId } = await api.placeOrder([...lines], key);
          return { ok: true, orderId };
        } catch (e) {
          const retryable = e instanceof ApiError && (e.unreachable || e.status === 429);
          return { ok: false, message: e instanceof ApiError ? describe(e) : String(e), retryable };
        }
      }),
    [api],
  );

  // Live stock: the gateway caches the list and drops it on every stock event.
  const loadProducts = useCallback(() => api.products(), [api]);
  const catalog = usePolling(loadProducts, 5_000);
  const products = catalog.value ?? [];

  const { lines, totalCents } = priceCart(cart, products);
  // Each product shown counts as viewed once per page life (the tracker ignores repeats).
  // (On each new catalog answer: `products` is a new empty array on every render until the first one.)
  useEffect(() => {
    for (const p of catalog.value ?? []) tracker.viewed(p.sku);
  }, [catalog.value, tracker]);

  const placeOrder = async () => {
    setPlacing(true);
    setError(undefined);
    tracker.track({ type: 'shop.checkout-started.v1', data: { itemCount: itemCount(cart) } });
    const result = await checkout.submit(cart);
    setPlacing(false);
    if (result.ok) {
      setCart([]);
      onOrdered(result.orderId);
    } else {
      setError(result.retryable ? `${result.message} — press again to retry the same order.` : result.message);
    }
  };

  return (
    <main className="shop">
      <section aria-labelledby="catalog-title">
        <h1 id="catalog-title">Catalog</h1>
        {catalog.error ? (
          <p role="alert" className="error">
            {catalog.error}
          </p>
        ) : null}
        <ul className="products">
          {products.map((p) => (
            <li key={p.sku} className="product" data-sku={p.sku}>
              <span className="product-name">{p.name}</span>
              <span className="product-price">{formatCents(p.priceCents)}</span>
              <span className={`stock${p.stock === 0 ? ' out' : ''}`} data-testid={`stock-${p.sku}`}>
                {p.stock === 0 ? 'out of stock' : `${p.stock} in stock`}
              </span>
              <button
                type="button"
                onClick={() => {
                  tracker.track({ type: 'shop.cart-item-added.v1', data: { sku: p.sku, quantity: 1 } });
                  setCart(addToCart(cart, p.sku));
                }}
                aria-label={`Add ${p.name} to cart`}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="cart-title" className="cart">
        <h2 id="cart-title">Cart ({itemCount(cart)})</h2>
        {lines.length === 0 ? <p className="muted">Empty.</p> : null}
        <ul>
          {lines.map((l) => (
            <li key={l.sku} className="cart-line">
              <label>
                {l.name}
                <input
                  type="number"
                  min={0}
                  max={1000}
                  value={l.quantity}
                  aria-label={`Quantity of ${l.name}`}
                  onChange={(e) => setCart(setQuantity(cart, l.sku, Number(e.target.value)))}
                />
              </label>
              <span>{formatCents(l.lineCents)}</span>
              {l.exceedsStock ? <span className="warn">more than in stock</span> : null}
            </li>
          ))}
        </ul>
        <p>
          Total <strong data-testid="cart-total">{formatCents(totalCents)}</strong>
        </p>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
        {signedIn ? (
          <button type="button" disabled={lines.length === 0 || placing} onClick={() => void placeOrder()}>
            {placing ? 'Placing…' : 'Place order'}
          </button>
        ) : (
          <p>
            <a href="#/signin">Sign in</a> to order.
          </p>
        )}
      </section>
    </main>
  );
}
