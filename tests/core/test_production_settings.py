"""Production settings come from the environment with safe defaults: `check --deploy` is
clean with the variables docs/deploy.md documents, a weak SECRET_KEY stops the start, and
X-Forwarded-Proto is believed only behind a declared proxy. Settings are read once per
process, so each case runs manage.py in a fresh one."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The production variables of docs/deploy.md ("Environment variables").
PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "bonus.example.kz",
    "CSRF_TRUSTED_ORIGINS": "https://bonus.example.kz",
    "SITE_URL": "https://bonus.example.kz",
    "PROXY_COUNT": "1",
    "DATABASE_URL": "postgres://bonusdesk:secret@127.0.0.1:5432/bonusdesk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def _environment(**env) -> dict:
    """This process's environment without what production would not have: the
    production variables under test, and the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE."""
    drop = {*PRODUCTION, "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    clean.update(BONUSDESK_TESTING="0", **env)
    return clean


def manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_of(*names, **env):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}))"
    )
    environment = _environment(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_the_safe_ones():
    values = settings_of(
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_PROXY_SSL_HEADER",
        "AXES_CLIENT_IP_CALLABLE",
        **PRODUCTION,
    )
    assert values["SECURE_SSL_REDIRECT"] and values["SESSION_COOKIE_SECURE"]
    assert values["CSRF_COOKIE_SECURE"] and values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["AXES_CLIENT_IP_CALLABLE"] == "core.clientip.client_ip"


def test_without_a_declared_proxy_x_forwarded_proto_is_not_believed():
    values = settings_of(
        "SECURE_PROXY_SSL_HEADER", "PROXY_COUNT", **{**PRODUCTION, "PROXY_COUNT": "0"}
    )
    assert values == {"SECURE_PROXY_SSL_HEADER": None, "PROXY_COUNT": 0}


@pytest.mark.parametrize(
    "secret",
    ["x", "changeme", "a" * 60, "django-insecure-" + secrets.token_urlsafe(50), ""],
    ids=["short", "word", "one-letter", "django-insecure", "empty"],
)
def test_a_short_or_well_known_secret_key_stops_the_start(secret):
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": secret})
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value of at least 50 characters" in result.stderr


def test_development_needs_no_variables():
    result = manage("check")
    assert result.returncode == 0, result.stderr


def test_sessions_are_read_from_redis_when_there_is_one():
    with_redis = settings_of("SESSION_ENGINE", **PRODUCTION)
    without = settings_of("SESSION_ENGINE", **{**PRODUCTION, "REDIS_URL": ""})
    assert with_redis["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    # The database cache would make the session's cache read a query like the session's.
    assert without["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
