/** The cart: pure functions over an immutable value (the UI keeps it in state and sessionStorage). */
export interface Product {
  sku: string;
  name: string;
  priceCents: number;
  stock: number;
}

export interface CartLine {
  sku: string;
  quantity: number;
}

export type Cart = readonly CartLine[];

/** The gateway accepts at most 1000 of one SKU and 50 lines in an order. */
export const MAX_QUANTITY = 1000;
export const MAX_LINES = 50;

/** Adds `quantity` of `sku` (merging with its line), within the order limits. */
export function addToCart(cart: Cart, sku: string, quantity = 1): Cart {
  const existing = cart.find((l) => l.sku === sku);
  if (!existing) return cart.length >= MAX_LINES ? cart : [...cart, { sku, quantity: clamp(quantity) }];
  return cart.map((l) => (l.sku === sku ? { sku, quantity: clamp(l.quantity + quantity) } : l));
}

/** Sets a line's quantity; 0 or less removes it. */
export function setQuantity(cart: Cart, sku: string, quantity: number): Cart {
  if (!Number.isFinite(quantity) || quantity <= 0) return cart.filter((l) => l.sku !== sku);
  return cart.map((l) => (l.sku === sku ? { sku, quantity: clamp(quantity) } : l));
}

export const removeFromCart = (cart: Cart, sku: string): Cart => cart.filter((l) => l.sku !== sku);

const clamp = (n: number) => Math.min(MAX_QUANTITY, Math.max(1, Math.floor(n)));

export interface PricedLine extends CartLine {
  name: string;
  priceCents: number;
  lineCents: number;
  /** More than the stock the catalog showed: the order would probably be rejected (out of stock). */
  exceedsStock: boolean;
  /** The catalog no longer lists it. */
  unknown: boolean;
}

/** Lines with names and prices from the catalog, and the total (the server prices the order again: this is a preview). */
export function priceCart(cart: Cart, products: readonly Product[]): { lines: PricedLine[]; totalCents: number } {
  const bySku = new Map(products.map((p) => [p.sku, p]));
  const lines = cart.map((line) => {
    const product = bySku.get(line.sku);
    const priceCents = product?.priceCents ?? 0;
    return {
      ...line,
      name: product?.name ?? line.sku,
      priceCents,
      lineCents: priceCents * line.quantity,
      exceedsStock: product ? line.quantity > product.stock : false,
      unknown: !product,
    };
  });
  return { lines, totalCents: lines.reduce((sum, l) => sum + l.lineCents, 0) };
}

export const itemCount = (cart: Cart) => cart.reduce((n, l) => n + l.quantity, 0);

export function formatCents(cents: number): string {
  return `${(cents / 100).toFixed(2)} €`;
}
