#!/bin/sh
# pg_dump -Fc of every RefArch database of one PostgreSQL server (the backup component's CronJob; k8s/components/
# backup/README.md). Databases are found, not listed: every database named $DATABASE_PREFIX*, so a forked service's
# is included. Each dump is consistent on its own (pg_dump's snapshot); no snapshot spans databases, so the order
# matters: the orchestrator's database ($DUMP_FIRST) first, then the others, so each participant is at or ahead of
# the saga that drives it (the saga repeats its current step, and every step is idempotent). Events published after
# the first dump started are delivered again from the outboxes at restore (pg-restore.sh).
#
#   POSTGRES_URL=postgres://postgres@127.0.0.1:5432 BACKUP_DIR=/backups/postgres sh pg-backup.sh
#
# POSTGRES_URL has no database (a superuser, or a role that may read every database; PGPASSWORD as usual).
set -eu
. "$(dirname "$0")/common.sh"
: "${POSTGRES_URL:?set POSTGRES_URL, e.g. postgres://postgres@postgres:5432 (no database)}"
: "${BACKUP_DIR:=/backups/postgres}"
: "${DATABASE_PREFIX:=refarch_}"
: "${DUMP_FIRST:=sagas}"
case $DATABASE_PREFIX in '' | *[!a-z0-9_]*) fail "DATABASE_PREFIX must be lower-case letters, digits and _" ;; esac

all=$(psql "$POSTGRES_URL/postgres" --no-psqlrc -AtX -c \
  "SELECT datname FROM pg_database WHERE left(datname, length('$DATABASE_PREFIX')) = '$DATABASE_PREFIX' ORDER BY 1") ||
  fail "cannot list the databases at $POSTGRES_URL"
[ -n "$all" ] || fail "no database named $DATABASE_PREFIX* at $POSTGRES_URL"
ordered=""
for first in $DUMP_FIRST; do
  for db in $all; do [ "$db" = "$DATABASE_PREFIX$first" ] && ordered="$ordered $db"; done
done
for db in $all; do
  case " $ordered " in *" $db "*) ;; *) ordered="$ordered $db" ;; esac
done

start_backup
# The server's clock, not this pod's: the restore compares it with the outboxes' published_at.
started=$(psql "$POSTGRES_URL/postgres" --no-psqlrc -AtX -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
printf 'started_at %s\n' "$started" > "$partial/manifest"
count=0
for db in $ordered; do
  pg_dump --format=custom --no-owner --no-acl --dbname="$POSTGRES_URL/$db" --file="$partial/$db.dump"
  printf 'database %s\n' "$db" >> "$partial/manifest"
  count=$((count + 1))
  log "dumped $db ($(du -k "$partial/$db.dump" | cut -f1) KiB)"
done
finish_backup
log "backup $BACKUP_DIR/$stamp complete: $count databases, started $started"
