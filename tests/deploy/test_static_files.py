"""Production static files: with DEBUG off, collectstatic hashes and compresses them and
gunicorn (deploy/gunicorn.conf.py) serves them through whitenoise, compressed and cached
for ten years. A real collectstatic and a real gunicorn, on a free loopback port."""

import gzip
import json
import subprocess

import pytest
from django.db import connection

from .helpers import ROOT, VENV_BIN, child_env, free_port, get, stop_group, wait_for

pytestmark = pytest.mark.skipif(
    not (VENV_BIN / "gunicorn").exists(), reason="gunicorn is not in .venv (requirements/prod.txt)"
)

STYLESHEET = "admin/css/base.css"


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    if connection.vendor != "sqlite":
        pytest.skip("uses no suite database: runs in the SQLite pass")
    tmp = tmp_path_factory.mktemp("static")
    port = free_port()
    env = child_env(
        DEBUG="off",
        SECRET_KEY="static-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
        STATIC_ROOT=tmp / "static",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=1,
        REDIS_URL="",
    )
    collected = subprocess.run(
        [VENV_BIN / "python", "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert collected.returncode == 0, collected.stderr
    manifest = json.loads((tmp / "static" / "staticfiles.json").read_text())["paths"]
    server = subprocess.Popen(
        [VENV_BIN / "gunicorn", "--config", "deploy/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get(f"{base}/health/"), timeout=60, what="gunicorn")
        yield base, manifest, tmp / "static"
    finally:
        stop_group(server)


def test_a_hashed_file_is_served_compressed_with_a_ten_year_max_age(production):
    base, manifest, root = production
    hashed = manifest[STYLESHEET]
    assert hashed != STYLESHEET  # the name carries the content's hash
    status, headers, body = get(f"{base}/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]
    assert gzip.decompress(body) == (root / hashed).read_bytes()
    assert len(body) < (root / hashed).stat().st_size / 2


def test_brotli_is_preferred_when_the_browser_offers_it(production):
    base, manifest, _root = production
    status, headers, _body = get(
        f"{base}/static/{manifest[STYLESHEET]}", headers={"Accept-Encoding": "gzip, br"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "br"


def test_pages_answer_under_gunicorn_with_debug_off(production):
    base, _manifest, _root = production
    status, headers, body = get(f"{base}/health/")
    assert status in (200, 503) and headers["Content-Type"] == "application/json"
    status, _headers, body = get(f"{base}/static/no-such-file.css")
    assert status == 404
