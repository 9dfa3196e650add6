#!/bin/sh
# Restores a mongo-backup.sh archive (the newest under $BACKUP_DIR, RESTORE_FROM=<stamp>, or the folder given).
# Refuses when the database holds orders already, unless RESTORE_REPLACE=yes (then its collections are replaced).
# Stop the order-service first (runbook: README.md).
set -eu
. "$(dirname "$0")/common.sh"
: "${MONGO_URL:?set MONGO_URL, e.g. mongodb://mongodb-0.mongodb:27017/orders?replicaSet=rs0}"
: "${BACKUP_DIR:=/backups/mongodb}"
backup=$(chosen_backup "${1:-${RESTORE_FROM:-}}")
[ -f "$backup/mongodb.archive" ] || fail "$backup/mongodb.archive is missing"
orders=$(mongosh "$MONGO_URL" --quiet --norc --eval 'db.getCollection("orders").estimatedDocumentCount()') ||
  fail "cannot reach $MONGO_URL"
if [ "$orders" != 0 ] && [ "${RESTORE_REPLACE:-}" != yes ]; then
  fail "the database holds $orders orders: set RESTORE_REPLACE=yes to replace them"
fi
mongorestore --uri="$MONGO_URL" --archive="$backup/mongodb.archive" --gzip --drop --quiet ||
  fail "mongorestore into $MONGO_URL failed"
log "restored $backup into $MONGO_URL"
