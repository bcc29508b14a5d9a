# Sourced by loadtest/run.sh and loadtest/wrk.sh (with PORT set): gunicorn as deployed
# (deploy/gunicorn.conf.py) with DEBUG off, as behind the nginx site (one trusted proxy:
# the load generators send its X-Forwarded-* headers), on the benchmark database, with
# the logged-in sessions of `manage.py loadtest_sessions`; stopped when the script ends.
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
