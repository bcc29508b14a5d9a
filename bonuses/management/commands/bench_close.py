"""Benchmark the month close and the statement on a seeded club (docs/benchmarks.md)."""

import os
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bonuses.models import ClosedFigures, LedgerEntry, Member, MonthClose, Payment
from bonuses.selectors import member_balance, member_statement
from bonuses.services import close as close_service
from bonuses.services.close import _walk, month_close_one
from bonuses.services.demo import seed_club
from bonuses.services.plans import PlanTerms, plan_terms
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


SQL_TABLE = "bench_close_sql_totals"


def _undo_close(period) -> None:
    """Take a benchmark's close back, so the next run finds the month open."""
    with transaction.atomic():
        LedgerEntry.objects.filter(
            period=period, kind__in=[LedgerEntry.Kind.ACCRUAL, LedgerEntry.Kind.REFERRED]
        ).delete()
        ClosedFigures.objects.filter(period=period).delete()
        MonthClose.objects.filter(period=period).delete()
    if connection.vendor == "postgresql":
        # A real close writes into tables without the dead rows of a taken-back one:
        # without this, every later run pays for them (uniqueness checks, index bloat).
        tables = [LedgerEntry._meta.db_table, ClosedFigures._meta.db_table]
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {', '.join(tables)}")


def _sql_statement(terms: PlanTerms) -> str:
    """One statement computing what the close credits, per earner (level commissions
    rounded per payment, and the referred bonus), into a table: the yardstick of how
    close the close gets to what the database alone can do."""
    q = connection.ops.quote_name
    members, payments = q(Member._meta.db_table), q(Payment._meta.db_table)
    step = Member.steplen
    rates = ", ".join(f"({k}, {rate})" for k, rate in enumerate(terms.rates, start=1))
    active_earner = (
        f"JOIN {payments} ap ON ap.member_id = a.id AND ap.period = %(period)s AND ap.paid "
        if terms.earner_must_be_active
        else ""
    )
    return (
        f"CREATE TABLE {SQL_TABLE} AS SELECT earner_id, SUM(cents) AS cents FROM ("
        f"SELECT a.id AS earner_id, ROUND(r.rate * p.amount, 2) * 100 AS cents "
        f"FROM {payments} p JOIN {members} m ON m.id = p.member_id "
        f"CROSS JOIN (VALUES {rates}) AS r(k, rate) "
        f"JOIN {members} a ON a.path = SUBSTR(m.path, 1, (m.depth - r.k) * {step}) "
        f"{active_earner}"
        f"WHERE p.period = %(period)s AND p.paid AND m.depth > r.k "
        f"UNION ALL SELECT m.id, ROUND({terms.referred_rate} * p.amount, 2) * 100 "
        f"FROM {payments} p JOIN {members} m ON m.id = p.member_id "
        f"WHERE p.period = %(period)s AND p.paid AND m.depth > 1"
        f") t GROUP BY earner_id"
    )


def _time_sql(period, terms: PlanTerms) -> tuple[float, int, int]:
    """(seconds including the commit, earners, total cents) of the one statement."""
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_sql_statement(terms), {"period": period})
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(cents) FROM {SQL_TABLE} WHERE cents > 0")
        earners, cents = cursor.fetchone()
        cursor.execute(f"DROP TABLE {SQL_TABLE}")
    return seconds, earners, int(cents or 0)


def _profile(period) -> list[tuple[str, float]]:
    """The close's phases one by one, committed then undone: where its seconds go. These
    are the phases of the close inside another transaction (and on SQLite), one after
    the other; the close on its own on PostgreSQL (the "real close" line) reads through a
    second connection during its two COPYs (services.close._write_as_read)."""
    phases = []
    mark = time.perf_counter()

    def lap(name):
        nonlocal mark
        now = time.perf_counter()
        phases.append((name, now - mark))
        mark = now

    with transaction.atomic():
        close_service.lock_period_for_close(period)
        close_service.lock_tree_for_insert()
        terms = plan_terms(period)
        lap("locks, plan")
        close_service.compute_period(period, terms)
        lap("walk of the tree (compute_period, the reference; not used by the close)")
        figures = close_service.compute_period_from_figures(period, terms)
        lap("maintained figures (compute_period_from_figures)")
        result = close_service._result(period, figures, dry_run=False, started=mark)
        MonthClose.objects.create(
            period=period, plan_id=terms.plan_id, totals=result.totals_json(), figures_stored=True
        )
        lap("totals, top earners")
        close_service._write_entries(period, close_service._earners_of(figures), None)
        lap("ledger entries (COPY)")
        close_service.write_closed_figures(period=period, figures=figures)
        lap("stored figures (COPY)")
    lap("commit")
    _undo_close(period)
    return phases


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

        terms = plan_terms(period)
        sql_s, sql_earners, sql_cents = _time_sql(period, terms)
        started = time.perf_counter()
        real = month_close_one(period=period)  # committed: deferred FK checks included
        real_s = time.perf_counter() - started
        figures_rows = ClosedFigures.objects.filter(period=period).count()
        self._say(
            f"real close: {real_s:.2f} s — {real.entries} ledger entries, "
            f"{figures_rows} stored figures rows"
        )
        _undo_close(period)  # so the next run finds the month open
        if real.total != dry.total:
            raise CommandError("dry run and real close disagree")
        exact = sql_cents == int(real.total * 100) and sql_earners == real.earners
        self._say(
            f"one SQL statement (per-earner totals into a table, committed): {sql_s:.2f} s "
            f"— {sql_earners} earners, {'same totals as the close' if exact else 'DIFFERENT'}"
            f"; close / statement = {real_s / sql_s:.1f}x"
        )
        for name, seconds in _profile(period):
            self._say(f"  profile: {name:<24} {seconds:6.2f} s")

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
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        self._say(
            f"| {vendor} | {existing:,} | {dry.payments:,} | {dry_s:.1f} s | {real_s:.1f} s | "
            f"{sql_s:.2f} s | {real_s / sql_s:.1f}× | {real.entries:,} | {figures_rows:,} | "
            f"{size:,} | {statistics.median(timings):.1f} ms | {balance_ms:.1f} ms | "
            f"{load} |".replace(",", " ")
        )
