-- The notification worker's own tables (the outbox and inbox come from libs/messaging).

-- Who gets mail: from users.user-registered.v1 (the worker never calls user-service).
CREATE TABLE recipients (
  user_id text PRIMARY KEY,
  email text NOT NULL,
  name text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now()
);

-- What an order contains: from orders.order-created.v1, for the confirmation's lines and total.
CREATE TABLE orders (
  order_id text PRIMARY KEY,
  user_id text NOT NULL,
  items jsonb NOT NULL,
  total_cents bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per email sent, written in the message's inbox transaction. `message_id` is deterministic (kind and
-- subject: the user or the order), so the same email is never sent twice for one event, and a resend after a crash
-- between send and commit carries the same Message-ID (the mail side can recognise it).
CREATE TABLE emails (
  message_id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('welcome', 'order-confirmed', 'order-rejected')),
  recipient text NOT NULL,
  subject text NOT NULL,
  event_id text NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX emails_sent_at ON emails (sent_at DESC);
