-- Up Migration
-- One payment per order: the order id is the idempotency key of every operation on it.
CREATE TABLE payments (
  id             uuid PRIMARY KEY,
  order_id       text NOT NULL UNIQUE,
  user_id        text NOT NULL,
  amount_cents   integer NOT NULL CHECK (amount_cents > 0),
  status         text NOT NULL CHECK (status IN ('AUTHORIZED', 'DECLINED', 'CAPTURED', 'VOIDED', 'REFUNDED')),
  decline_reason text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_user ON payments (user_id);

-- Down Migration
DROP TABLE payments;
