"""The deployment kit in deploy/: each file checked by the tool that will run it.

systemd-analyze, nginx, openssl and docker compose are Debian packages that .ci/run
installs; on a machine without one, its test is skipped with the reason.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (Debian: see .ci/run)")
    return path


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    need("systemd-analyze")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        pytest.skip("gunicorn is not installed in .venv (requirements/prod.txt)")
    env_file = tmp_path / "env"
    env_file.write_text("DEBUG=off\n")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        # The units name /srv/bonusdesk; here the same files point at this checkout, so
        # verify also proves every ExecStart names an executable that exists.
        text = unit.read_text().replace("/srv/bonusdesk", str(ROOT))
        text = text.replace("/etc/bonusdesk/env", str(env_file))
        (tmp_path / unit.name).write_text(text)
        units.append(str(tmp_path / unit.name))
    assert {Path(u).name for u in units} >= {
        "bonusdesk-web.service",
        "bonusdesk-worker.service",
        "bonusdesk-backup.service",
        "bonusdesk-backup.timer",
    }
    result = run("systemd-analyze", "verify", *units)
    # verify reports bad lines as warnings with exit code 0: any output is a failure.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_units_restart_on_failure_and_stop_the_cluster_gracefully():
    for name in ("bonusdesk-web.service", "bonusdesk-worker.service"):
        text = (DEPLOY / "systemd" / name).read_text()
        assert "Restart=on-failure" in text
        # SIGTERM to the main process only: gunicorn's master and django-q2's cluster stop
        # their children themselves (core/management/commands/qcluster.py).
        assert "KillMode=mixed" in text


def test_nginx_site_passes_nginx_t(tmp_path):
    nginx = need("nginx")
    need("openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = run(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=bonus.example.kz", "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    site = (DEPLOY / "nginx" / "bonusdesk.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/bonus.example.kz/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/bonus.example.kz/privkey.pem", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = run(nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-e", "stderr")
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", size).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_upload_limit_equals_the_import_limit():
    site = (DEPLOY / "nginx" / "bonusdesk.conf").read_text()
    (limit,) = re.findall(r"client_max_body_size\s+(\w+);", site)
    example = (DEPLOY / "env.example").read_text()
    (import_max,) = re.findall(r"^IMPORT_MAX_BYTES=(\d+)$", example, re.M)
    assert _bytes(limit) == int(import_max)
    if hasattr(settings, "IMPORT_MAX_BYTES"):  # the default, when no variable is set
        assert _bytes(limit) == settings.IMPORT_MAX_BYTES


def test_nginx_forwards_one_trusted_hop():
    """PROXY_COUNT=1: nginx appends the address it saw to X-Forwarded-For, the rightmost
    entry the application trusts (core/clientip.py); the scheme tells Django it was HTTPS."""
    site = (DEPLOY / "nginx" / "bonusdesk.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "PROXY_COUNT=1" in (DEPLOY / "env.example").read_text()


def _compose() -> list[str]:
    docker = shutil.which("docker")
    if docker and run(docker, "compose", "version").returncode == 0:
        return [docker, "compose"]
    if shutil.which("docker-compose"):
        return [shutil.which("docker-compose")]
    pytest.skip("neither `docker compose` nor Debian's docker-compose is installed")


def test_compose_file_passes_docker_compose_config(tmp_path):
    compose = _compose()
    # A copy with an .env made from the example, as an administrator would make it.
    shutil.copytree(DEPLOY, tmp_path / "deploy")
    shutil.copy(DEPLOY / "env.example", tmp_path / "deploy" / ".env")
    result = run(
        *compose, "-f", "deploy/compose.yaml", "config", cwd=tmp_path,
        env={**os.environ, "COMPOSE_PROJECT_NAME": "bonusdesk"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for service in ("db:", "redis:", "web:", "worker:"):
        assert f"\n  {service}" in result.stdout
    assert "redis://redis:6379/0" in result.stdout
    assert "127.0.0.1:8000" in result.stdout or "host_ip: 127.0.0.1" in result.stdout


def test_dockerfile_installs_the_production_requirements():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "pip install -r requirements/prod.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "USER bonusdesk" in dockerfile


def test_gunicorn_config_loads_and_binds_the_loopback():
    result = run(
        str(ROOT / ".venv" / "bin" / "gunicorn") if (ROOT / ".venv/bin/gunicorn").exists()
        else "gunicorn",
        "--check-config", "--print-config", "--config", "deploy/gunicorn.conf.py",
        "config.wsgi", cwd=ROOT, env={**os.environ, "DEBUG": "on"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = {
        key.strip(): value.strip()
        for key, value in (
            line.split(" = ", 1) for line in result.stdout.splitlines() if " = " in line
        )
    }
    assert printed["bind"] == "['127.0.0.1:8000']"
    assert int(printed["workers"]) == os.cpu_count() + 1
    assert int(printed["timeout"]) >= 180


def test_procfile_names_the_production_processes():
    procfile = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert "gunicorn --config deploy/gunicorn.conf.py config.wsgi" in procfile["web"]
    assert "manage.py qcluster" in procfile["worker"]


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_check_scripts(tmp_path):
    """deploy/backup.sh dumps the database; deploy/restore-check.sh restores the dump into
    a scratch database and reports what it holds."""
    from django.db import connection

    from bonuses.models import Member
    from tests.factories import enroll

    if connection.vendor != "postgresql":
        pytest.skip("the backup scripts use pg_dump and pg_restore (PostgreSQL)")
    need("pg_dump")
    need("pg_restore")
    enroll(enroll(first_name="Backed"), first_name="Up")
    db = connection.settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"]
    url = f"postgres://{user}@{host}:{port}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "BACKUP_DIR": str(tmp_path),
        "PGPASSWORD": db["PASSWORD"] or "",
    }
    backup = run(str(DEPLOY / "backup.sh"), env=env)
    assert backup.returncode == 0, backup.stderr
    (dump,) = tmp_path.glob("bonusdesk-*.dump")
    assert not list(tmp_path.glob("*.partial"))
    check = run(
        str(DEPLOY / "restore-check.sh"), str(dump),
        env={**env, "ADMIN_URL": f"postgres://{user}@{host}:{port}/postgres"},
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    assert f"members {Member.objects.count()}" in check.stdout
    assert "restore check passed" in check.stdout
    leftover = run(
        "psql", f"postgres://{user}@{host}:{port}/postgres", "-Atc",
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'bonusdesk_restore_check_%'",
        env=env,
    )  # fmt: skip
    assert leftover.stdout.strip() == "0"
