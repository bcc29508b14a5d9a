"""/health/: each component reported on its own, 503 only when the database is down, and
never an exception's text (it can name hosts, users and database objects)."""

from django.db import OperationalError, connection
from django.test import override_settings

SECRET = 'connection to server at "db.internal" (10.1.2.3), port 5432 failed: password for "bonus"'
# Nothing listens on port 1: a real refused connection, not a mock.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_everything_up_is_200_ok(client, db, live_cluster):
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["database"] == {"status": "ok", "vendor": connection.vendor}
    assert body["cache"]["status"] == "ok"
    assert body["broker"]["status"] == "ok"
    assert body["worker"] == {"status": "ok", "clusters": 1, "workers": 1}
    assert response["Cache-Control"].startswith("max-age=0")


def test_database_down_is_503_without_the_errors_text(client, db, live_cluster, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError(SECRET)

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {"status": "down"}
    assert "db.internal" not in response.content.decode()
    assert "password" not in response.content.decode()


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
        }
    }
)
def test_cache_down_degrades_but_serves(client, db, live_cluster):
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["cache"] == {"status": "down"}
    assert body["database"]["status"] == "ok"
    assert "127.0.0.1:1" not in response.content.decode()


def test_broker_down_degrades_and_the_worker_is_unknown(client, db, monkeypatch):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", DEAD_REDIS)
    response = client.get("/health/")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["broker"] == {"status": "down"}
    assert body["worker"] == {"status": "unknown"}
    assert "127.0.0.1:1" not in response.content.decode()


def test_no_worker_degrades_but_serves(client, db):
    response = client.get("/health/")  # no cluster runs during the test suite
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["worker"] == {"status": "down", "clusters": 0}
    assert body["database"]["status"] == body["cache"]["status"] == "ok"


def test_worker_seen_through_django_q2s_own_heartbeat(client, db):
    """A Stat saved as a running cluster's sentinel saves it, read back through the broker."""
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.signing import SignedPackage
    from django_q.status import Status

    stat = Status(pid=4242, cluster_id="abc")
    stat.workers, stat.status = [4243, 4244], Conf.IDLE
    get_broker().set_stat(f"{Conf.Q_STAT}:abc", SignedPackage.dumps(stat, True), 3)
    body = client.get("/health/").json()
    assert body["worker"] == {"status": "ok", "clusters": 1, "workers": 2}
    assert body["status"] == "ok"
