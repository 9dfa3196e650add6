-- Up Migration
-- The PostgreSQL adapter of the order store (the MongoDB adapter keeps the same fields in documents).
CREATE TABLE orders (
  id              uuid PRIMARY KEY,
  user_id         text NOT NULL,
  items           jsonb NOT NULL,
  total_cents     integer NOT NULL CHECK (total_cents >= 0),
  status          text NOT NULL CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
  reason          text,
  idempotency_key text,
  request_hash    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- One order per (user, Idempotency-Key): concurrent requests with one key make exactly one order.
CREATE UNIQUE INDEX orders_idempotency ON orders (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX orders_by_user ON orders (user_id, created_at DESC);

-- Down Migration
DROP TABLE orders;
