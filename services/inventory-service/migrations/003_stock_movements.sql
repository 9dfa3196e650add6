-- Up Migration
-- Every unit of stock put in, so that stock can be accounted for: for each product, stock + held + committed
-- quantities = the sum of its movements (npm run verify checks it). The seed and any stock present now are
-- recorded as one 'initial' movement per product; restocks (POST /admin/products/restock) add theirs.
CREATE TABLE stock_movements (
  id         bigserial PRIMARY KEY,
  sku        text NOT NULL REFERENCES products (sku),
  quantity   integer NOT NULL CHECK (quantity > 0),
  reason     text NOT NULL CHECK (reason IN ('initial', 'restock')),
  created_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO stock_movements (sku, quantity, reason)
SELECT p.sku, p.stock + coalesce(sum(i.quantity) FILTER (WHERE r.status IN ('HELD', 'COMMITTED')), 0), 'initial'
  FROM products p
  LEFT JOIN reservation_items i ON i.sku = p.sku
  LEFT JOIN reservations r ON r.id = i.reservation_id
 GROUP BY p.sku
HAVING p.stock + coalesce(sum(i.quantity) FILTER (WHERE r.status IN ('HELD', 'COMMITTED')), 0) > 0;

-- Down Migration
DROP TABLE stock_movements;
