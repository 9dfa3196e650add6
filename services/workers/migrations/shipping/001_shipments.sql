-- Up Migration
-- One shipment per order. A cancellation that arrives before its creation (messages can be reordered) leaves a
-- CANCELLED row, so the late creation is refused instead of shipping a cancelled order.
CREATE TABLE shipments (
  id         uuid PRIMARY KEY,
  order_id   text NOT NULL UNIQUE,
  user_id    text,
  items      jsonb NOT NULL DEFAULT '[]',
  status     text NOT NULL CHECK (status IN ('CREATED', 'CANCELLED')),
  reason     text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE shipments;
