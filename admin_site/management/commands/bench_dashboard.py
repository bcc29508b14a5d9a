"""Time the admin dashboard on the club in the database (docs/benchmarks.md).

Read-only on the database (admin_site.management.benching).
"""

import statistics
import time

from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from admin_site.management.benching import ms_since, rolled_back_superuser, time_page
from bonuses.models import Member
from bonuses.selectors.club import club_figures, refresh_dashboard_figures


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
        with rolled_back_superuser() as client:
            light = []
            for _ in range(3):
                started = time.perf_counter()
                club_figures()
                light.append(ms_since(started))
            self._say(f"light figures (computed inline): {statistics.median(light):.0f} ms")
            started = time.perf_counter()
            refresh_dashboard_figures()
            self._say(f"background refresh (top earners included): {ms_since(started):.0f} ms")

            caches["default"].clear()
            started = time.perf_counter()
            client.get("/admin/")  # nothing cached: queues the refresh
            self._say(f"dashboard page, nothing cached: {ms_since(started):.0f} ms")
            refresh_dashboard_figures()
            median, worst, queries = time_page(client, "/admin/", repeat)
            self._say(
                f"dashboard page (cached figures): median {median:.0f} ms, "
                f"max {worst:.0f} ms, {queries} queries"
            )
