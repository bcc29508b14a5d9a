#!/bin/sh
# Check a backup by restoring it: restore DUMP into a new scratch database on the same
# server, print what it holds (members, payments, ledger entries, closed months, the
# newest close) and drop the scratch database again. Exits non-zero when the restore fails.
#   deploy/restore-check.sh /var/backups/bonusdesk/bonusdesk-20260601-033000.dump
# Needs a role that may create databases (e.g. run as postgres: sudo -u postgres ...);
# ADMIN_URL names the server (default: the local socket).
set -eu
dump="${1:?usage: restore-check.sh DUMP}"
ADMIN_URL="${ADMIN_URL:-postgres:///postgres}"
scratch="bonusdesk_restore_check_$$"
psql --quiet --no-psqlrc --dbname="$ADMIN_URL" -c "CREATE DATABASE $scratch"
trap 'psql --quiet --no-psqlrc --dbname="$ADMIN_URL" -c "DROP DATABASE IF EXISTS $scratch"' EXIT
scratch_url="$(printf '%s' "$ADMIN_URL" | sed "s#/[^/]*\$#/$scratch#")"
pg_restore --no-owner --exit-on-error --dbname="$scratch_url" "$dump"
psql --no-psqlrc --dbname="$scratch_url" -At -F ' ' -c "
  SELECT 'members', count(*)::text FROM bonuses_member
  UNION ALL SELECT 'payments', count(*)::text FROM bonuses_payment
  UNION ALL SELECT 'ledger_entries', count(*)::text FROM bonuses_ledgerentry
  UNION ALL SELECT 'closed_months', count(*)::text FROM bonuses_monthclose
  UNION ALL SELECT 'newest_close', coalesce(max(period)::text, 'none') FROM bonuses_monthclose"
echo "restore check passed: $dump"
