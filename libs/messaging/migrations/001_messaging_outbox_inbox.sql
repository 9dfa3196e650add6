-- Up Migration
-- Transactional outbox (docs/architecture.md §4): written in the same transaction as the state change, relayed to
-- RabbitMQ with publisher confirms, marked published only after the broker confirmed.
CREATE TABLE outbox (
  seq          bigserial PRIMARY KEY,
  id           uuid NOT NULL UNIQUE,             -- the envelope id
  destination  text NOT NULL,                    -- 'event' (refarch.events) or a queue name (a command)
  type         text NOT NULL,
  envelope     jsonb NOT NULL,
  headers      jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Inbox: one row per (consumer, message) handled, written in the handler's own transaction.
CREATE TABLE inbox (
  consumer     text NOT NULL,
  message_id   uuid NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, message_id)
);

-- Down Migration
DROP TABLE inbox;
DROP TABLE outbox;
