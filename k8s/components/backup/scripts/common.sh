# Shared by the backup and restore scripts (sourced). A backup is a folder <BACKUP_DIR>/<UTC stamp>/ holding one
# file per database and a `manifest` (started_at, then one `database <name>` line per dump, in dump order). It is
# written as <stamp>.partial and renamed when complete, so a folder without the suffix is always a whole backup.

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# The folder a new backup is written to, <BACKUP_DIR>/<stamp>.partial; BACKUP_KEEP checked before anything is written.
start_backup() {
  case ${BACKUP_KEEP:-7} in '' | *[!0-9]* | 0) fail "BACKUP_KEEP must be a whole number above 0 (got '${BACKUP_KEEP:-}')" ;; esac
  mkdir -p "$BACKUP_DIR" || fail "cannot create $BACKUP_DIR"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  partial="$BACKUP_DIR/$stamp.partial"
  [ ! -e "$BACKUP_DIR/$stamp" ] && mkdir "$partial" 2>/dev/null || fail "a backup $stamp is being written or exists already"
}

# The backup is whole: renamed, and only then are old ones removed (a failed run deletes nothing).
finish_backup() {
  mv "$partial" "$BACKUP_DIR/$stamp"
  prune "$BACKUP_DIR"
}

# Keeps the newest $BACKUP_KEEP complete backups under $1 and removes the rest, and any leftover .partial folder
# (a run that failed or was killed).
prune() {
  keep=${BACKUP_KEEP:-7}
  for stale in "$1"/*.partial; do
    [ -d "$stale" ] && rm -rf "$stale" && log "removed the unfinished $stale"
  done
  ls -1d "$1"/*Z 2>/dev/null | sort -r | awk -v keep="$keep" 'NR > keep' | while read -r old; do
    rm -rf "$old" && log "removed $old (keeping the newest $keep)"
  done
}

# The backup to restore: $1 if given (a folder, or a stamp under $BACKUP_DIR), else the newest complete one there.
chosen_backup() {
  if [ -n "${1:-}" ]; then
    case $1 in */*) chosen=$1 ;; *) chosen=$BACKUP_DIR/$1 ;; esac
    [ -f "$chosen/manifest" ] || fail "$chosen is not a backup (no manifest)"
    printf '%s\n' "$chosen"
  else
    latest=$(ls -1d "$BACKUP_DIR"/*Z 2>/dev/null | sort -r | head -n 1)
    [ -n "$latest" ] || fail "no backup under $BACKUP_DIR"
    printf '%s\n' "$latest"
  fi
}

# The backup to restore (chosen_backup) as $backup, with its manifest's start time as $started and its databases,
# in dump order, as $databases.
read_backup() {
  backup=$(chosen_backup "${1:-}")
  started=$(awk '$1 == "started_at" { print $2 }' "$backup/manifest")
  databases=$(awk '$1 == "database" { print $2 }' "$backup/manifest")
  [ -n "$started" ] && [ -n "$databases" ] || fail "$backup/manifest is incomplete"
}
