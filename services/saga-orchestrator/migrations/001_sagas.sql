-- Up Migration
-- One saga per order; every transition is persisted (sagas.state) and recorded (saga_transitions) before the next
-- action, so a restarted orchestrator resumes exactly where it stopped.
CREATE TABLE sagas (
  id                 uuid PRIMARY KEY,
  order_id           text NOT NULL UNIQUE,
  user_id            text NOT NULL,
  items              jsonb NOT NULL,
  total_cents        integer NOT NULL,
  correlation_id     text NOT NULL,
  state              text NOT NULL,
  -- Completed forward steps, undone in reverse by compensation.
  payment_authorized boolean NOT NULL DEFAULT false,
  stock_reserved     boolean NOT NULL DEFAULT false,
  shipment_requested boolean NOT NULL DEFAULT false,
  reason             text,
  -- Why the saga is waiting (parked on an open breaker, retrying after a failure), for the admin API.
  waiting            text,
  attempts           integer NOT NULL DEFAULT 0,
  next_attempt_at    timestamptz NOT NULL DEFAULT now(),
  step_deadline_at   timestamptz,
  lease_owner        text,
  lease_until        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sagas_due ON sagas (next_attempt_at)
  WHERE state NOT IN ('APPROVED', 'REJECTED', 'COMPENSATION_FAILED');
CREATE INDEX sagas_by_state ON sagas (state);

CREATE TABLE saga_transitions (
  seq        bigserial PRIMARY KEY,
  saga_id    uuid NOT NULL REFERENCES sagas (id) ON DELETE CASCADE,
  from_state text,
  to_state   text NOT NULL,
  detail     text,
  at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX saga_transitions_by_saga ON saga_transitions (saga_id, seq);

-- Down Migration
DROP TABLE saga_transitions;
DROP TABLE sagas;
