import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core import worker

logger = logging.getLogger(__name__)

OK, DOWN, UNKNOWN = "ok", "down", "unknown"


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": OK, "vendor": connection.vendor}


def _cache() -> dict:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    answered = cache.get(key) == "1"
    cache.delete(key)
    return {"status": OK if answered else DOWN, "backend": cache.__class__.__name__}


def _broker() -> dict:
    from django_q.brokers import get_broker

    broker = get_broker()
    # The ORM broker's ping() answers True without asking: its queue is the database.
    if not broker.ping():
        return {"status": DOWN, "kind": type(broker).__name__}
    return {"status": OK, "kind": type(broker).__name__}


def _worker() -> dict:
    beats = worker.clusters()
    if not beats:
        return {"status": DOWN, "clusters": 0}
    return {
        "status": OK,
        "clusters": len(beats),
        "workers": sum(len(b.workers) for b in beats),
    }


def _check(name: str, probe) -> dict:
    """Run one probe; a failure is logged here and reported as "down" with no detail:
    callers are proxies and monitors, and an exception's text can name hosts, users and
    database objects."""
    try:
        return probe()
    except Exception:  # noqa: BLE001 - any failure of a component means it is down
        logger.warning("health check: %s is down", name, exc_info=True)
        return {"status": DOWN}


@never_cache
def health(request):
    """For the proxy and for monitoring: each component's state as JSON.

    Out: {"status": "ok" | "degraded" | "down", "database": {...}, "cache": {...},
    "broker": {...}, "worker": {...}}, each component with its own "status" ("ok" or
    "down"; the worker "unknown" when the broker cannot be asked). HTTP 503 when the
    database is down (nothing works without it), 200 otherwise: a missing worker or cache
    degrades the club (closes and large imports wait) but pages are still served.
    """
    report = {
        "database": _check("database", _database),
        "cache": _check("cache", _cache),
        "broker": _check("broker", _broker),
    }
    if report["broker"]["status"] == OK:
        report["worker"] = _check("worker", _worker)
    else:
        report["worker"] = {"status": UNKNOWN}
    if report["database"]["status"] != OK:
        overall, code = DOWN, 503
    elif all(part["status"] == OK for part in report.values()):
        overall, code = OK, 200
    else:
        overall, code = "degraded", 200
    return JsonResponse({"status": overall, **report}, status=code)
