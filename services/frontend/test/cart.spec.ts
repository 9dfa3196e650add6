import { describe, expect, it } from '@jest/globals';
import { addToCart, formatCents, itemCount, priceCart, removeFromCart, setQuantity, type Cart } from '../src/cart.js';

const products = [
  { sku: 'MUG-CLASSIC', name: 'Mug', priceCents: 1299, stock: 3 },
  { sku: 'CAP-NAVY', name: 'Cap', priceCents: 1999, stock: 60 },
];

describe('cart', () => {
  it('merges repeated adds into one line and prices it from the catalog', () => {
    let cart: Cart = [];
    cart = addToCart(cart, 'MUG-CLASSIC');
    cart = addToCart(cart, 'CAP-NAVY', 2);
    cart = addToCart(cart, 'MUG-CLASSIC');
    expect(cart).toEqual([
      { sku: 'MUG-CLASSIC', quantity: 2 },
      { sku: 'CAP-NAVY', quantity: 2 },
    ]);
    expect(itemCount(cart)).toBe(4);
    const { lines, totalCents } = priceCart(cart, products);
    expect(totalCents).toBe(2 * 1299 + 2 * 1999);
    expect(formatCents(totalCents)).toBe('65.96 €');
    expect(lines.map((l) => l.lineCents)).toEqual([2598, 3998]);
  });

  it('removes a line at quantity 0, keeps quantities within the order limits, flags more than in stock', () => {
    let cart: Cart = addToCart([], 'MUG-CLASSIC', 5);
    expect(priceCart(cart, products).lines[0]!.exceedsStock).toBe(true);
    cart = setQuantity(cart, 'MUG-CLASSIC', 5000);
    expect(cart[0]!.quantity).toBe(1000);
    cart = setQuantity(cart, 'MUG-CLASSIC', 2.7);
    expect(cart[0]!.quantity).toBe(2);
    expect(setQuantity(cart, 'MUG-CLASSIC', 0)).toEqual([]);
    expect(setQuantity(cart, 'MUG-CLASSIC', Number.NaN)).toEqual([]);
    expect(removeFromCart(cart, 'MUG-CLASSIC')).toEqual([]);
  });

  it('shows a line the catalog no longer lists as unknown, priced at zero', () => {
    const { lines, totalCents } = priceCart([{ sku: 'GONE', quantity: 1 }], products);
    expect(lines[0]).toMatchObject({ unknown: true, lineCents: 0 });
    expect(totalCents).toBe(0);
  });
});
