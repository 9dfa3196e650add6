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

-- One row per order, from its events whichever arrives first: when it started and ended (its saga duration), how
-- it ended, its amount. The daily export (npm run analytics:export) writes a day of these to the data lake.
CREATE TABLE order_facts (
  order_id text PRIMARY KEY,
  user_id text NOT NULL,
  created_at timestamptz,
  finished_at timestamptz,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
  rejection_kind text,
  total_cents bigint,
  item_count integer
);
CREATE INDEX order_facts_created ON order_facts (created_at);
CREATE INDEX order_facts_finished ON order_facts (finished_at) WHERE created_at IS NOT NULL;

-- The first time a shop session reached each funnel step (viewed, carted, checkout): conversion counts sessions.
CREATE TABLE session_steps (
  session_id text NOT NULL,
  step text NOT NULL,
  first_at timestamptz NOT NULL,
  PRIMARY KEY (session_id, step)
);
CREATE INDEX session_steps_first_at ON session_steps (step, first_at);
