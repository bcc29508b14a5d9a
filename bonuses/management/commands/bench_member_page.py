"""Benchmark the member page (GET /me/) for a member with a large downline."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonuses.models import Member
from bonuses.services import month_close, unclosed_periods
from bonuses.services.demo_downline import seed_downline
from core.bulk import refresh_planner_stats
from core.periods import add_months, current_period


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Add a member with a random N-member downline to the club in the database, time "
        "GET /me/ for them server-side (test client, median), with two months open and "
        "then with only this month open. Everything is rolled back afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--downline", type=int, default=10_000)
        parser.add_argument("--months", type=int, default=3, help="months of payments")
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, downline, months, repeat, seed, **options):
        club = Member.objects.count()
        self._say(f"{connection.vendor}: {club} members in the database before the downline.")
        try:
            with transaction.atomic():
                self._run(downline, months, repeat, seed)
                raise _Rollback
        except _Rollback:
            self._say("Rolled back.")

    def _run(self, downline, months, repeat, seed):
        started = time.perf_counter()
        member = seed_downline(members=downline, months=months, seed=seed)
        refresh_planner_stats(Member)
        self._say(f"Seeded a {downline}-member downline in {time.perf_counter() - started:.1f} s.")
        user = get_user_model().objects.create_user(f"bench{member.pk}", password=None)
        member.user = user
        member.save(update_fields=["user"])
        client = Client()
        client.force_login(user)

        last_month = add_months(current_period(), -1)
        started = time.perf_counter()
        for period in unclosed_periods():
            if period < last_month:
                month_close(period=period)
        self._say(f"Closed the months before last in {time.perf_counter() - started:.1f} s.")
        self._time(client, repeat, "this and last month open")
        month_close(period=last_month)
        self._time(client, repeat, "only this month open")

    def _time(self, client: Client, repeat: int, label: str) -> None:
        client.get("/me/")  # warm caches and connections
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/me/")
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        self._say(
            f"GET /me/ ({label}): median {statistics.median(timings):.1f} ms, "
            f"min {min(timings):.1f} ms, {len(queries.captured_queries)} queries, "
            f"{len(response.content) // 1024} KiB"
        )
