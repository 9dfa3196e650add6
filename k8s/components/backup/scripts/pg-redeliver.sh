#!/bin/sh
# The last step of a restore (README.md): once the restored services are up, so that every consumer's queue exists
# again on the broker, every event an outbox of the backup published in the last $REDELIVER_WINDOW before the
# backup started is marked unpublished, and the relays deliver it again. The dumps were taken one after another, so
# a consumer's database may predate an event its producer's records as sent; the consumers' inboxes drop whatever
# they had already handled, so delivering too much is safe and too little is not.
#
#   POSTGRES_URL=postgres://postgres@127.0.0.1:5432 BACKUP_DIR=/backups/postgres sh pg-redeliver.sh [<backup>]
set -eu
. "$(dirname "$0")/common.sh"
: "${POSTGRES_URL:?set POSTGRES_URL, e.g. postgres://postgres@postgres:5432 (no database)}"
: "${BACKUP_DIR:=/backups/postgres}"
# At most the relays' retention of published rows (an hour): older ones are gone from the outboxes anyway.
: "${REDELIVER_WINDOW:=15 minutes}"
read_backup "${1:-${RESTORE_FROM:-}}"
total=0
for db in $databases; do
  again=$(psql "$POSTGRES_URL/$db" --no-psqlrc -AtX -v ON_ERROR_STOP=1 -v since="$started" -v window="$REDELIVER_WINDOW" <<'SQL'
SELECT to_regclass('public.outbox') IS NOT NULL AS has_outbox \gset
\if :has_outbox
WITH again AS (
  UPDATE outbox SET published_at = NULL
   WHERE published_at >= :'since'::timestamptz - :'window'::interval RETURNING 1
) SELECT count(*) FROM again;
\else
SELECT 0;
\endif
SQL
) || fail "cannot mark the events of $db for delivery"
  total=$((total + again))
  log "$db: $again events to deliver again"
done
log "redelivery of $backup: $total events marked; the relays publish them now"
