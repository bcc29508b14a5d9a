"""gunicorn settings for BonusDesk (`gunicorn --config deploy/gunicorn.conf.py config.wsgi`).

Every value can be overridden from the environment, so the systemd unit, the Procfile and
the container share this one file.
"""

import multiprocessing
import os

# Loopback only: nginx (deploy/nginx/bonusdesk.conf) terminates TLS in front and is the
# only client. The container sets GUNICORN_BIND=0.0.0.0:8000 (its port is published on
# the host's loopback only).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Pages are CPU-bound (templates, Python) and their queries take well under a
# millisecond each, so a request seldom waits: one process per core, plus one so a slow
# admin page never takes them all. On 2 cores with PostgreSQL beside them, 3 workers
# served 155-158 member pages a second where 5 (the usual 2 per core + 1) served 131-140,
# the extra processes only competing for the cores (docs/benchmarks.md, "/me/ under
# wrk"). WEB_CONCURRENCY overrides it (more when the database has its own machine).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))

# The longest synchronous page is an export: the statements of every member as XLSX take
# 40–90 s for 100 000 members (docs/benchmarks.md, the latter on a loaded machine).
# Larger clubs use the `export_statements` command. nginx's proxy_read_timeout matches.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "180"))
# On restart (systemctl reload / restart) requests in flight get this long to finish.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# nginx keeps connections to the upstream short; a few seconds is plenty.
keepalive = 5

# Recycle each worker now and then: caps the memory a long-lived process can collect.
# Not too often: a new worker starts cold (Django's set-up, templates, the plan versions,
# a new database session) — at 150 member pages a second, 2 000 requests meant a restart
# every minute per worker, a few per cent of the machine (docs/benchmarks.md).
max_requests = 20000
max_requests_jitter = 2000

# The heartbeat file lives in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs go to stdout/stderr: journald (systemd) or the container's log.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "bonusdesk-web"
