-- Up Migration
-- The trace of the order-created message that started the saga: every step the driver takes later (HTTP calls to
-- the participants, commands through the outbox) continues it, however long the saga was parked in between.
ALTER TABLE sagas ADD COLUMN trace_id text;

-- Down Migration
ALTER TABLE sagas DROP COLUMN trace_id;
