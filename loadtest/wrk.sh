#!/bin/sh
# Members' own pages (/me/) under wrk: gunicorn (deploy/gunicorn.conf.py) with DEBUG off,
# as loadtest/run.sh starts it, and wrk (C, one thread: the load generator takes little
# of the cores it shares with the server) for a bounded time. docs/benchmarks.md, "/me/".
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bonusdesk_bench loadtest/wrk.sh
#
# The database must hold a seeded club (manage.py seed_demo); the first run gives 200 of
# its members a login (manage.py loadtest_sessions). Variables: CONNECTIONS (10),
# DURATION (seconds, 30), WARMUP (seconds, 10), RUNS (1), PORT (8098), WRK_PATH (/me/).
set -eu
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a benchmark database (never production)}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 2; }
CONNECTIONS="${CONNECTIONS:-10}"
DURATION="${DURATION:-30}"
WARMUP="${WARMUP:-10}"
RUNS="${RUNS:-1}"
PORT="${PORT:-8098}"
. loadtest/server.sh
export WRK_SESSIONS=loadtest/out/sessions.txt
$py -c 'import json; print("\n".join(m["sessionid"] for m in json.load(open("loadtest/sessions.json"))["members"]))' \
  > "$WRK_SESSIONS"
url="http://127.0.0.1:$PORT"
wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s loadtest/wrk_me.lua "$url" >/dev/null
for run in $(seq "$RUNS"); do
  echo "== run $run: $CONNECTIONS connections for $DURATION s, $(date -u +%H:%M:%S) UTC," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg)"
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s loadtest/wrk_me.lua "$url" \
    | grep -E 'Requests/sec|answers|^p[0-9]|Socket errors|Non-2xx'
done
