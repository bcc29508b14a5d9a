#!/bin/sh
# The load test behind docs/benchmarks.md ("Load"): gunicorn (deploy/gunicorn.conf.py)
# with DEBUG off and whitenoise, on a PostgreSQL benchmark database, and Locust headless
# for a bounded time against the loopback address.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonusdesk_bench loadtest/run.sh
#
# The database must hold a seeded club (manage.py seed_demo --members 100000); the first
# run gives 200 of its members a login (manage.py loadtest_sessions). Variables: USERS
# (concurrent users, 20), DURATION (seconds, 60), STAFF_SHARE (0.2), WITH_CLOSE (1 closes
# every unclosed past month 10 s into the run), NAME (label of the result files in
# loadtest/out/), PORT (8099).
set -eu
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a benchmark database (never production)}"
USERS="${USERS:-20}"
DURATION="${DURATION:-60}"
PORT="${PORT:-8099}"
NAME="${NAME:-u${USERS}}"
WITH_CLOSE="${WITH_CLOSE:-0}"
export LOAD_STAFF_SHARE="${STAFF_SHARE:-0.2}"
. loadtest/server.sh

closer=""
if [ "$WITH_CLOSE" = 1 ]; then
  (sleep 10; /usr/bin/time -f "close: %e s" $py manage.py close_month) \
    > "loadtest/out/$NAME-close.log" 2>&1 &
  closer=$!
fi
echo "== load: $USERS users for $DURATION s, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
.venv/bin/locust -f loadtest/locustfile.py --headless --users "$USERS" \
  --spawn-rate "$USERS" --run-time "${DURATION}s" --host "http://127.0.0.1:$PORT" \
  --csv "loadtest/out/$NAME" --only-summary --stop-timeout 10
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "$closer" ] || { wait "$closer"; cat "loadtest/out/$NAME-close.log"; }
