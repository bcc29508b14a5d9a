"""Timing admin pages read-only: a superuser and its session inside a transaction that
is rolled back, caches in local memory, so a shared benchmark database is never changed."""

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class _Rollback(Exception):
    pass


def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


@contextmanager
def rolled_back_superuser() -> Iterator[Client]:
    """A test client logged in as a superuser that exists only inside the block."""
    from django.contrib.auth import get_user_model

    with override_settings(CACHES=LOCAL_CACHE, ALLOWED_HOSTS=["*"]):
        caches["default"].clear()
        try:
            with transaction.atomic():
                user = get_user_model().objects.create_superuser("bench-admin", "b@x.test", "x")
                client = Client()
                client.force_login(user)
                yield client
                raise _Rollback
        except _Rollback:
            pass


def time_page(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    """(median ms, max ms, queries of the last run) of GET `url`, after one warm-up."""
    client.get(url)
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append(ms_since(started))
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        queries = len(captured)
    return statistics.median(times), max(times), queries
