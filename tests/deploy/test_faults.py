"""Faults, tried for real on PostgreSQL (docs/reliability.md records the figures):

- the month close killed (SIGKILL) at random points and run again: never a partial
  period, and the totals of an undisturbed close;
- PostgreSQL restarted while gunicorn serves pages: requests fail cleanly while it is
  down and succeed again as soon as it is back, without restarting gunicorn.

The worker killed during an import's write is tried in test_two_clusters.py.
The restart test runs a private PostgreSQL server (initdb in a temporary directory, a free
port): the shared server is never stopped.
"""

import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from bonuses import services
from bonuses.models import LedgerEntry, MonthClose
from bonuses.services.demo import seed_club

from .helpers import ROOT, VENV_BIN, child_env, free_port, get, stop_group, wait_for

FIGURES = ROOT / ".fault-figures"  # the figures printed here, copied into the doc by hand


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _close_activity() -> tuple[str, str] | None:
    """(state, last statement) of another session (the close command's) that is inside a
    transaction, or None when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, query FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        return cursor.fetchone()


def _close_is_working() -> bool:
    return _close_activity() is not None


def _close_is_writing() -> bool:
    """The close has begun to write: its last statement created the period's MonthClose
    row or copied entries or figures (between its COPY batches it formats the next one in
    Python, so the statement stays visible). Nothing of it is committed yet."""
    activity = _close_activity()
    if activity is None:
        return False
    query = activity[1].lstrip().upper()
    return query.startswith("COPY") or query.startswith('INSERT INTO "BONUSES_MONTHCLOSE"')


def _kill_close(month: str, env: dict, when) -> None:
    """Start `close_month --month`, wait for `when` (a predicate), SIGKILL it, and wait
    until the server has rolled its transaction back."""
    close = subprocess.Popen(
        [VENV_BIN / "python", "manage.py", "close_month", "--month", month],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(_close_is_working, timeout=60, step=0.005, what="the close's transaction")
        when()
    finally:
        close.send_signal(signal.SIGKILL)
        close.wait()
    wait_for(lambda: not _close_is_working(), timeout=30, what="the rollback")


@pytest.mark.django_db(transaction=True)
def test_a_close_killed_at_random_points_leaves_nothing_and_reruns_to_the_same_totals():
    if connection.vendor != "postgresql":
        pytest.skip("the close's atomicity under SIGKILL is tried on PostgreSQL")
    seed_club(members=20_000, months=2, seed=21)
    period = max(services.unclosed_periods())
    dry_run = services.month_close(period=period, dry_run=True)[0]
    expected = dry_run.totals_json()
    month = period.strftime("%Y-%m")
    env = child_env(DATABASE_URL=_database_url(), REDIS_URL="")
    rng = random.Random(14)

    def left() -> str:
        if MonthClose.objects.filter(period=period).exists():
            return "closed"  # killed after its commit: then the month is closed completely
        # No partial period: no close row, no entry of the month.
        assert not LedgerEntry.objects.filter(period=period).exists()
        return "nothing"

    # Two kills placed by the close's own progress, whatever the machine's speed: as soon
    # as its transaction begins (it reads), and as soon as it begins to write. Both must
    # leave nothing.
    _kill_close(month, env, when=lambda: None)
    kills = [("as it began", left())]
    _kill_close(
        month, env,
        when=lambda: wait_for(_close_is_writing, timeout=60, step=0.001, what="its writes"),
    )  # fmt: skip
    kills.append(("as it wrote", left()))
    assert kills == [("as it began", "nothing"), ("as it wrote", "nothing")], kills
    # Then at random points from its first query to well past the dry run's time: some
    # land while it computes, some while it writes, the last ones maybe after its commit.
    for _attempt in range(3):
        delay = rng.uniform(0, 2 * dry_run.duration_ms / 1000)
        _kill_close(month, env, when=lambda delay=delay: time.sleep(delay))
        kills.append((f"{round(delay * 1000)} ms", left()))
        if kills[-1][1] == "closed":
            break
    finished = subprocess.run(  # the re-run (a no-op when the last kill came too late)
        [VENV_BIN / "python", "manage.py", "close_month", "--month", month],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    close = MonthClose.objects.get(period=period)
    assert close.totals["total"] == expected["total"]
    assert close.totals["levels"] == expected["levels"]
    assert LedgerEntry.objects.filter(period=period).count() == expected["entries"]
    FIGURES.mkdir(exist_ok=True)
    (FIGURES / "close-kills.txt").write_text(
        f"20 000 members, dry run {dry_run.duration_ms} ms; kills (when, what was left): "
        f"{kills}; re-run total {close.totals['total']} = undisturbed {expected['total']}, "
        f"{expected['entries']} entries\n"
    )


# --- PostgreSQL restarted under gunicorn ----------------------------------------------


def _pg_bin() -> Path:
    found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
    for candidate in (found.stdout.strip(), "/usr/lib/postgresql/15/bin"):
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    pytest.skip("PostgreSQL's initdb and pg_ctl are not installed")


class PrivatePostgres:
    """A throw-away PostgreSQL server: initdb in a temporary directory, a free port,
    run as the `postgres` system user when the tests run as root (initdb refuses root)."""

    def __init__(self):
        self.bin = _pg_bin()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="bonusdesk-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.prefix = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser: cannot start a private server")
            shutil.chown(self.dir, "postgres", "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool, *args):
        result = subprocess.run(
            [*self.prefix, self.bin / tool, *map(str, args)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start(self):
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", self.dir / "log", "-w", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def destroy(self):
        subprocess.run(
            [*self.prefix, self.bin / "pg_ctl", "-D", self.data, "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/bonusdesk"


@pytest.fixture(scope="module")
def private_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL fault: runs in the PostgreSQL pass (on a private server)")
    server = PrivatePostgres()
    try:
        server.start()
        subprocess.run(
            [server.bin / "createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
             "bonusdesk"],
            check=True, capture_output=True,
        )  # fmt: skip
        yield server
    finally:
        server.destroy()


def _member_session(env) -> str:
    """A logged-in session of the demo club's member anna, created in the database."""
    code = (
        "from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, "
        "HASH_SESSION_KEY; from django.contrib.sessions.backends.db import SessionStore; "
        "u = get_user_model().objects.get(username='anna'); s = SessionStore(); "
        "s[SESSION_KEY] = str(u.pk); "
        "s[BACKEND_SESSION_KEY] = 'bonuses.auth.MemberBackend'; "
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create(); print(s.session_key)"
    )
    made = subprocess.run(
        [VENV_BIN / "python", "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


def test_pages_fail_cleanly_while_postgresql_restarts_and_recover_without_a_restart(
    private_postgres,
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = child_env(
        DEBUG="off",
        SECRET_KEY="fault-test-" + "s" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=private_postgres.url,
        REDIS_URL="",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=2,
    )
    for step in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        done = subprocess.run(
            [VENV_BIN / "python", "manage.py", *step],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    cookie = {"Cookie": f"sessionid={_member_session(env)}"}
    server = subprocess.Popen(
        [VENV_BIN / "gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(lambda: get(f"{base}/health/"), timeout=60, what="gunicorn")
        for _ in range(10):  # every worker holds a persistent connection now
            assert get(f"{base}/me/", headers=cookie)[0] == 200

        log, stop = [], threading.Event()

        def traffic():
            while not stop.is_set():
                started = time.monotonic()
                answer = get(f"{base}/me/", headers=cookie, timeout=30)
                log.append((started, time.monotonic() - started, answer))
                time.sleep(0.02)

        thread = threading.Thread(target=traffic)
        thread.start()
        time.sleep(1)
        down_at = time.monotonic()
        private_postgres.stop("fast")
        time.sleep(3)
        health_down = get(f"{base}/health/")
        up_at = time.monotonic()
        private_postgres.start()  # returns once the server accepts connections
        back_at = time.monotonic()
        time.sleep(3)
        stop.set()
        thread.join()

        during = [e for e in log if down_at + 0.2 < e[0] < up_at]
        after = [e for e in log if e[0] > back_at]
        assert during and after
        # Down: every request failed at once and cleanly (a 500 page, no database text).
        for _started, seconds, answer in during:
            assert answer is not None and answer[0] == 500
            assert seconds < 2
            assert b"OperationalError" not in answer[2] and b"5432" not in answer[2]
        assert health_down[0] == 503 and b'"database": {"status": "down"}' in health_down[2]
        # Back: every request after the restart succeeds (a connection that failed is
        # closed at the end of its request; CONN_HEALTH_CHECKS checks a persistent one
        # before reuse), with the same gunicorn.
        first_ok = next(e for e in after if e[2] and e[2][0] == 200)
        failed_after = [e for e in after if e[0] < first_ok[0]]
        assert failed_after == []
        assert all(e[2] and e[2][0] == 200 for e in after)
        assert server.poll() is None
        FIGURES.mkdir(exist_ok=True)
        (FIGURES / "postgres-restart.txt").write_text(
            f"requests while down: {len(during)}, all 500, slowest "
            f"{max(e[1] for e in during) * 1000:.0f} ms; health while down: {health_down[0]}; "
            f"pg_ctl start took {(back_at - up_at) * 1000:.0f} ms; first success "
            f"{(first_ok[0] - back_at) * 1000:.0f} ms after the server accepted connections; "
            f"failures after it was back: {len(failed_after)}; requests after: {len(after)}\n"
        )
    finally:
        stop_group(server)
