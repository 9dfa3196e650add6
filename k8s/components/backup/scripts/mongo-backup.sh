#!/bin/sh
# mongodump --archive of the Order DB (the backup component's CronJob, after pg-backup.sh: the saga's database is
# dumped before the orders). The archive is gzipped; the folder layout is pg-backup.sh's (common.sh).
#
#   MONGO_URL=mongodb://mongodb-0.mongodb:27017/orders?replicaSet=rs0 BACKUP_DIR=/backups/mongodb sh mongo-backup.sh
set -eu
. "$(dirname "$0")/common.sh"
: "${MONGO_URL:?set MONGO_URL, e.g. mongodb://mongodb-0.mongodb:27017/orders?replicaSet=rs0}"
: "${BACKUP_DIR:=/backups/mongodb}"
start_backup
printf 'started_at %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$partial/manifest"
# The URL's database only. Each order is one document (its outbox inside it), so a document is never half-written;
# mongodump reads the collection while writes go on, which a later restart of the saga reconciles (README.md).
mongodump --uri="$MONGO_URL" --archive="$partial/mongodb.archive" --gzip --quiet ||
  fail "mongodump of $MONGO_URL failed"
printf 'database mongodb\n' >> "$partial/manifest"
finish_backup
log "backup $BACKUP_DIR/$stamp complete: $(du -k "$BACKUP_DIR/$stamp/mongodb.archive" | cut -f1) KiB"
