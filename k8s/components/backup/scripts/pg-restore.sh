#!/bin/sh
# Restores a backup of pg-backup.sh (the newest under $BACKUP_DIR, or the folder given) into the same PostgreSQL
# server or a new one: each database is created (owned by the role of its name when that role exists, as
# k8s/base/postgres/databases.sh makes them) and restored with pg_restore. Stop the services first; start them
# after it, and once they are ready run pg-redeliver.sh (runbook: README.md).
#
#   POSTGRES_URL=postgres://postgres@127.0.0.1:5432 BACKUP_DIR=/backups/postgres sh pg-restore.sh [<backup folder>]
#
# RESTORE_FROM=<stamp> picks a backup as the argument does. A database that exists already is refused, unless RESTORE_REPLACE=yes (then it is dropped first).
set -eu
. "$(dirname "$0")/common.sh"
: "${POSTGRES_URL:?set POSTGRES_URL, e.g. postgres://postgres@postgres:5432 (no database)}"
: "${BACKUP_DIR:=/backups/postgres}"
read_backup "${1:-${RESTORE_FROM:-}}"
sql() { psql "$POSTGRES_URL/$1" --no-psqlrc -AtX -v ON_ERROR_STOP=1 "$@"; }
log "restoring $backup (started $started): $(echo $databases | wc -w) databases"

for db in $databases; do
  [ -f "$backup/$db.dump" ] || fail "$backup/$db.dump is missing"
  exists=$(sql postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
  if [ -n "$exists" ]; then
    [ "${RESTORE_REPLACE:-}" = yes ] || fail "$db exists: drop it first, or set RESTORE_REPLACE=yes to replace it"
    sql postgres -c "DROP DATABASE \"$db\" WITH (FORCE)" > /dev/null
  fi
  owner=$(sql postgres -c "SELECT rolname FROM pg_roles WHERE rolname = '$db'")
  [ -n "$owner" ] || owner=$(sql postgres -c "SELECT current_user")
  sql postgres -c "CREATE DATABASE \"$db\" OWNER \"$owner\"" > /dev/null
  [ "$owner" = "$db" ] && sql postgres -c "REVOKE ALL ON DATABASE \"$db\" FROM PUBLIC" > /dev/null
  pg_restore --exit-on-error --no-owner --no-acl --role="$owner" --dbname="$POSTGRES_URL/$db" "$backup/$db.dump"
  log "restored $db as $owner"
done
log "restore of $backup complete: start the services, then run pg-redeliver.sh once they are ready"
