#!/bin/sh
# Dump the BonusDesk database to $BACKUP_DIR/bonusdesk-YYYYMMDD-HHMMSS.dump (pg_dump's
# custom format: compressed, restorable table by table with pg_restore) and delete dumps
# older than $BACKUP_KEEP_DAYS days. Reads DATABASE_URL like the application.
# Restore and check a dump: deploy/restore-check.sh (docs/deploy.md, "Backups").
set -eu
: "${DATABASE_URL:?DATABASE_URL is not set}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/bonusdesk}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-30}"
mkdir -p "$BACKUP_DIR"
target="$BACKUP_DIR/bonusdesk-$(date +%Y%m%d-%H%M%S).dump"
# Written under a temporary name first: a dump cut short never looks like a backup.
pg_dump --format=custom --no-owner --dbname="$DATABASE_URL" --file="$target.partial"
mv "$target.partial" "$target"
find "$BACKUP_DIR" -name 'bonusdesk-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "backup written: $target ($(du -h "$target" | cut -f1))"
