"""Time the admin dashboard on the club in the database (docs/benchmarks.md).

Read-only on the database: the superuser and its session live in a transaction that is
rolled back, and the figures are cached in a local-memory cache instead of the shared one.
"""

import statistics
import time

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bonuses.models import Member
from bonuses.selectors.club import club_figures, refresh_dashboard_figures

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class _Rollback(Exception):
    pass


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


class Command(BaseCommand):
    help = "Time the dashboard (page as superuser, median of --repeat) and its figures."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, repeat, **options):
        members = Member.objects.count()
        if not members:
            raise CommandError("The database has no members: run seed_demo first.")
        self._say(f"{connection.vendor}, {members:,} members".replace(",", " "))
        with override_settings(CACHES=LOCAL_CACHE, ALLOWED_HOSTS=["*"]):
            caches["default"].clear()
            try:
                with transaction.atomic():
                    self._bench(repeat)
                    raise _Rollback
            except _Rollback:
                pass

    def _bench(self, repeat: int) -> None:
        from django.contrib.auth import get_user_model

        light = []
        for _ in range(3):
            started = time.perf_counter()
            club_figures()
            light.append(_ms(started))
        self._say(f"light figures (cold page, computed inline): {statistics.median(light):.0f} ms")
        started = time.perf_counter()
        refresh_dashboard_figures()
        self._say(f"background refresh (top earners included): {_ms(started):.0f} ms")

        user = get_user_model().objects.create_superuser("bench-dashboard", "b@x.test", "x")
        client = Client()
        client.force_login(user)
        caches["default"].clear()
        started = time.perf_counter()
        response = client.get("/admin/")  # nothing cached: queues the refresh
        self._say(f"dashboard page, nothing cached: {_ms(started):.0f} ms")
        refresh_dashboard_figures()
        client.get("/admin/")  # warm up templates
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/admin/")
                times.append(_ms(started))
            if response.status_code != 200:
                raise CommandError(f"dashboard answered {response.status_code}")
        self._say(
            f"dashboard page (cached figures): median {statistics.median(times):.0f} ms, "
            f"max {max(times):.0f} ms, {len(queries)} queries"
        )
