"""Benchmark the member page (GET /me/) for a member with a large downline."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bonuses.models import LedgerEntry, Member, Payment
from bonuses.services import month_close, unclosed_periods
from bonuses.services.demo_downline import seed_downline
from core.bulk import refresh_planner_stats
from core.periods import add_months, current_period

BENCH_USER = "bench-member-page"
FOUNDER_USER = "bench-founder"


class Command(BaseCommand):
    help = (
        "Give a new member a random N-member downline in the club already in the database "
        "(or reuse the one a previous run made), then time GET /me/ for them server-side "
        "(test client, median): with this and last month open, then with last month "
        "closed (the closes are rolled back). Keeps the new downline: run it on a benchmark "
        "database (make bench)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--downline", type=int, default=10_000)
        parser.add_argument("--months", type=int, default=3, help="months of payments")
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--founder",
            action="store_true",
            help="also time the club's founder (its first member, the largest downline)",
        )

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, downline, months, repeat, seed, founder, **options):
        user_model = get_user_model()
        member = Member.objects.filter(user__username=BENCH_USER).first()
        if member is None:
            club = Member.objects.count()
            started = time.perf_counter()
            member = seed_downline(members=downline, months=months, seed=seed)
            # Committed first: PostgreSQL vacuums only outside a transaction, and without
            # the visibility map its covering indexes cannot answer on their own.
            refresh_planner_stats(Member, Payment)
            user = user_model.objects.create_user(BENCH_USER, password=None)
            member.user = user
            member.save(update_fields=["user"])
            self._say(
                f"{connection.vendor}: gave a new member a {downline}-member downline in a "
                f"club of {club} in {time.perf_counter() - started:.1f} s."
            )
        clients = {"downline member": self._client(member)}
        if founder:
            top = Member.objects.order_by("id").first()
            if top.user_id is None:
                top.user = user_model.objects.create_user(FOUNDER_USER, password=None)
                top.save(update_fields=["user"])
            clients["founder"] = self._client(top)

        # The closes are undone at the end, so bench_close still finds last month open.
        with transaction.atomic():
            self._close_and_time(clients, repeat)
            transaction.set_rollback(True)

    def _client(self, member: Member) -> Client:
        size = Member.objects.filter(path__startswith=member.path).count() - 1
        within = Member.objects.filter(
            path__startswith=member.path, depth__gt=member.depth, depth__lte=member.depth + 4
        ).count()
        self._say(
            f"{connection.vendor}: member #{member.pk}, downline {size}, {within} within "
            f"four levels."
        )
        client = Client()
        client.force_login(member.user)
        return client

    def _close_and_time(self, clients: dict[str, Client], repeat: int) -> None:
        last_month = add_months(current_period(), -1)
        started = time.perf_counter()
        open_months = [p for p in unclosed_periods() if p <= last_month]
        for period in open_months:
            if period < last_month:
                month_close(period=period)
        self._say(f"Closed the months before last in {time.perf_counter() - started:.1f} s.")
        if last_month in open_months:
            for who, client in clients.items():
                self._time(client, repeat, f"{who}, this and last month open")
            month_close(period=last_month)
            refresh_planner_stats(LedgerEntry)
        for who, client in clients.items():
            self._time(client, repeat, f"{who}, only this month open")

    def _time(self, client: Client, repeat: int, label: str) -> None:
        """Wall time per request, and, because other processes share the 2 cores, the
        request's own CPU time (all of it on SQLite, which runs in-process) and the
        database's wall time as Django measured each query."""
        client.get("/me/")  # warm caches and connections
        wall, cpu, db = [], [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get("/me/")
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            db.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            assert response.status_code == 200, response.status_code
        self._say(
            f"GET /me/ ({label}): median {statistics.median(wall):.1f} ms, "
            f"min {min(wall):.1f} ms; median CPU {statistics.median(cpu):.1f} ms, "
            f"database {statistics.median(db):.1f} ms; {len(queries.captured_queries)} "
            f"queries, {len(response.content) // 1024} KiB"
        )
