"""Benchmark the month close and the statement on a seeded club (docs/benchmarks.md)."""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bonuses.models import LedgerEntry, Member, MonthClose, Payment
from bonuses.selectors import member_balance, member_statement
from bonuses.services.close import _walk, month_close_one
from bonuses.services.demo import seed_club
from core.bulk import refresh_planner_stats
from core.periods import add_months, current_period, format_month


def _member_with_downline(target: int) -> tuple[int, int]:
    """(member id, downline size) of the member whose downline is closest to `target`,
    in one pass over the tree in path order (sizes from the pre-order positions)."""
    best = (None, -1)
    stack: list[tuple[int, int]] = []  # (member id, position) of the current ancestors
    position = -1

    def settle(member_id: int, start: int) -> None:
        nonlocal best
        size = position - start - 1 if position > start else 0
        if abs(size - target) < abs(best[1] - target):
            best = (member_id, size)

    period = add_months(current_period(), -1)
    for position, (member_id, depth, _paid) in enumerate(_walk(period)):  # noqa: B007
        while len(stack) >= depth:
            settle(*stack.pop())
        stack.append((member_id, position))
    position += 1
    while stack:
        settle(*stack.pop())
    return best


class Command(BaseCommand):
    help = (
        "Seed a club (or reuse the one in the database) and time the month close (dry run "
        "and real, rolled back) and a statement for a member with a ~10 000-member downline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--months", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--downline", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=20, help="statement timings")

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def handle(self, *args, members, months, seed, downline, repeat, **options):
        vendor = connection.vendor
        existing = Member.objects.count()
        if existing:
            self._say(f"Reusing the club in the database: {existing} members.")
        else:
            started = time.perf_counter()
            result = seed_club(members=members, months=months, seed=seed)
            refresh_planner_stats(Member, Payment)
            self._say(
                f"Seeded {result.members} members, {result.payments} payments "
                f"in {time.perf_counter() - started:.1f} s."
            )
            existing = result.members
        period = add_months(current_period(), -1)
        if MonthClose.objects.filter(period=period).exists():
            raise CommandError(f"{format_month(period)} is already closed in this database.")

        started = time.perf_counter()
        [dry] = [month_close_one(period=period, dry_run=True)]
        dry_s = time.perf_counter() - started
        self._say(
            f"dry run {format_month(period)}: {dry_s:.2f} s — {dry.payments} paid payments, "
            f"{dry.earners} earners, total {dry.total}"
        )

        started = time.perf_counter()
        real = month_close_one(period=period)  # committed: deferred FK checks included
        real_s = time.perf_counter() - started
        self._say(f"real close: {real_s:.2f} s — {real.entries} ledger entries")
        with transaction.atomic():  # undone afterwards, so the next run finds it open
            LedgerEntry.objects.filter(
                period=period, kind__in=[LedgerEntry.Kind.ACCRUAL, LedgerEntry.Kind.REFERRED]
            ).delete()
            real.month_close.delete()
        if real.total != dry.total:
            raise CommandError("dry run and real close disagree")

        member_id, size = _member_with_downline(downline)
        member = Member.objects.get(pk=member_id)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            statement = member_statement(member=member)
            timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        member_balance(member=member)
        balance_ms = (time.perf_counter() - started) * 1000
        self._say(
            f"statement for member {member_id} (downline {size}, {statement.followers} "
            f"within the plan's levels): first {timings[0]:.1f} ms, median "
            f"{statistics.median(timings):.1f} ms; balance {balance_ms:.1f} ms"
        )
        self._say(
            f"| {vendor} | {existing:,} | {dry.payments:,} | {dry_s:.1f} s | {real_s:.1f} s | "
            f"{real.entries:,} | {size:,} | {statistics.median(timings):.1f} ms | "
            f"{balance_ms:.1f} ms |".replace(",", " ")
        )
