"""Time a payment toggle (payment_set paid, then unpaid) on a deep member of the club in
the database: the service staff run with one click in the payments list, which keeps the
maintained figures of every ancestor within the levels (docs/statements.md). Issue 16's
goal: ≤ 20 ms. Each toggle commits, as a click does; the member's payment of this month
ends as it was found. Run it on a benchmark database (docs/benchmarks.md).
"""

import os
import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bonuses.models import MAX_LEVELS, Member, Payment
from bonuses.services import payment_set
from core.periods import current_period


class Command(BaseCommand):
    help = (
        "Toggle a deep member's payment of this month paid and unpaid N times, each a "
        "committed transaction, and report the median and worst time and the queries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--toggles", type=int, default=30)
        parser.add_argument(
            "--depth", type=int, default=MAX_LEVELS, help="depth of the member toggled"
        )

    def handle(self, *args, toggles, depth, **options):
        member = Member.objects.filter(depth=depth).order_by("pk").first()
        if member is None:
            raise CommandError(f"No member at depth {depth}: seed a club first (seed_demo).")
        period = current_period()
        before = Payment.objects.filter(member=member, period=period).first()
        # A serving process has its cache connection open already (sessions and the
        # dashboard live there); the first toggle here would time opening it (~60 ms
        # with Redis), as the commit marks the dashboard's figures stale.
        cache.get("bench_toggle:warm")
        timings, queries = [], 0
        for n in range(toggles):
            paid = n % 2 == 0 if before is None or not before.paid else n % 2 == 1
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                payment_set(member=member, period=period, paid=paid)
                timings.append((time.perf_counter() - started) * 1000)
            queries = max(queries, len(captured))
        if before is not None:  # as it was found (amount and paid)
            payment_set(member=member, period=period, paid=before.paid, amount=before.amount)
        elif (row := Payment.objects.filter(member=member, period=period).first()) is not None:
            # Never paid before the run: the toggles left an unpaid row; the month
            # had none.
            payment_set(member=member, period=period, paid=False)
            row.delete()
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        members = f"{Member.objects.count():,}".replace(",", " ")
        self.stdout.write(
            f"{connection.vendor}: {toggles} toggles of member #{member.pk} (depth {depth}, "
            f"{members} members): median {statistics.median(timings):.1f} ms, "
            f"max {max(timings):.1f} ms, up to {queries} queries; load {load}"
        )
