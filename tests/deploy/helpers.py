"""Starting and stopping real processes (make, gunicorn, qcluster) from tests."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(**extra) -> dict:
    """The environment of a server started by a test: no pytest in it, so settings are
    the production ones (TESTING off: a real django-q2 cluster, Russian by default)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "BONUSDESK"))}
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PROXY_COUNT"] = "1"  # as behind the nginx site; requests carry its headers (get)
    env.update({k: str(v) for k, v in extra.items()})
    return env


# What nginx (deploy/nginx/bonusdesk.conf) adds to every request: servers started with
# DEBUG off and PROXY_COUNT=1 see the request as the HTTPS one it was at the proxy.
PROXIED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


def get(url: str, *, timeout: float = 5, headers: dict | None = None):
    """(status, headers, body) of a GET, whatever the status; None when nothing answers."""
    request = urllib.request.Request(url, headers={**PROXIED, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for(predicate, *, timeout: float, step: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def health(base: str) -> dict | None:
    answer = get(f"{base}/health/")
    if answer is None:
        return None
    return json.loads(answer[2])


def stop_group(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 30):
    """Signal a process group started with start_new_session=True and wait for it."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
