-- Up Migration
-- With tracing on (docs/observability.md): the span that started the saga (every step span is its child) and the
-- step span that last parked or postponed it (the resumed step links to it). Null with tracing off.
ALTER TABLE sagas ADD COLUMN trace_parent text, ADD COLUMN parked_by text;

-- Down Migration
ALTER TABLE sagas DROP COLUMN trace_parent, DROP COLUMN parked_by;
