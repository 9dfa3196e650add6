-- Up Migration
CREATE TABLE products (
  sku         text PRIMARY KEY,
  name        text NOT NULL,
  price_cents integer NOT NULL CHECK (price_cents >= 0),
  -- The constraint is the last line of defence: no code path can take stock below zero.
  stock       integer NOT NULL CHECK (stock >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One reservation per order (the order id makes reserve/release/commit idempotent).
CREATE TABLE reservations (
  id         uuid PRIMARY KEY,
  order_id   text NOT NULL UNIQUE,
  status     text NOT NULL CHECK (status IN ('HELD', 'RELEASED', 'COMMITTED')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservation_items (
  reservation_id uuid NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
  sku            text NOT NULL REFERENCES products (sku),
  quantity       integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (reservation_id, sku)
);

-- Down Migration
DROP TABLE reservation_items;
DROP TABLE reservations;
DROP TABLE products;
