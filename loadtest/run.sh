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
# As behind the nginx site: one trusted proxy (the Locust users send its X-Forwarded-*).
export DEBUG=off ALLOWED_HOSTS=127.0.0.1 PROXY_COUNT=1 REDIS_URL="${REDIS_URL:-}"
# Sessions are signed with the key: one fixed key for every run on the benchmark database.
export SECRET_KEY="${SECRET_KEY:-loadtest-only-3f9c2a7e51b84d06a8e1c4f7b2d95e60c7a1f8b3d2e4}"
export STATIC_ROOT="${STATIC_ROOT:-$PWD/loadtest/out/static}"
py=.venv/bin/python
mkdir -p loadtest/out
$py manage.py collectstatic --noinput -v0
[ -f loadtest/sessions.json ] || $py manage.py loadtest_sessions --out loadtest/sessions.json

GUNICORN_BIND="127.0.0.1:$PORT" .venv/bin/gunicorn --config deploy/gunicorn.conf.py \
  --access-logfile /dev/null config.wsgi &
web=$!
trap 'kill $web 2>/dev/null; wait $web 2>/dev/null' EXIT INT TERM
for _ in $(seq 60); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/health/" && break
  sleep 0.5
done

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
