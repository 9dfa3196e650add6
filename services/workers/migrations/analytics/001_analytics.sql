-- The analytics worker's per-minute aggregates (the inbox comes from libs/messaging: each message counts once).
-- Every count goes to the minute the event *happened* (its envelope's occurredAt), not the minute it arrived, so a
-- late or reordered delivery lands where it belongs.

-- metric: placed, approved, rejected (label: its rejection kind), revenue_cents (approved totals), viewed, carted,
-- checkout (the shop events).
CREATE TABLE minute_counts (
  minute timestamptz NOT NULL,
  metric text NOT NULL,
  label text NOT NULL DEFAULT '',
  value bigint NOT NULL,
  PRIMARY KEY (minute, metric, label)
);

-- Each order's start and end, whichever arrives first: its saga duration is known once both are.
CREATE TABLE order_timings (
  order_id text PRIMARY KEY,
  created_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX order_timings_finished ON order_timings (finished_at) WHERE created_at IS NOT NULL;

-- The first time a shop session reached each funnel step (viewed, carted, checkout): conversion counts sessions.
CREATE TABLE session_steps (
  session_id text NOT NULL,
  step text NOT NULL,
  first_at timestamptz NOT NULL,
  PRIMARY KEY (session_id, step)
);
CREATE INDEX session_steps_first_at ON session_steps (step, first_at);
