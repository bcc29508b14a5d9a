"""Time the admin's busiest pages on the club in DATABASE_URL (docs/benchmarks.md).

Each page is fetched through Django's test Client as a logged-in superuser, once to warm
up and then `--repeat` times; the median is reported, with the part spent waiting for
SQL and the web process's own CPU time (which other load on the machine does not
inflate, unlike the wall time). Everything runs in one transaction
that is rolled back: the bench user, its session and any write leave nothing behind.
"""

import statistics
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bonuses.models import Member
from core.periods import add_months, current_period, format_month

TARGET_MS = 300


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    params: dict


def pages(sample: Member) -> list[Page]:
    """The pages timed, one line each (sample: a member with followers, for searches)."""
    head = Member.objects.filter(depth=1).order_by("-numchild").first()

    def change(member):
        return reverse("admin:bonuses_member_change", args=[member.pk])

    def downline(member):
        return reverse("admin:bonuses_member_downline", args=[member.pk])

    autocomplete = {"app_label": "bonuses", "model_name": "member", "field_name": "sponsor"}
    members = reverse("admin:bonuses_member_changelist")
    payments = reverse("admin:bonuses_payment_changelist")
    last_month = add_months(current_period(), -1)
    return [
        Page("member list", members, {}),
        Page("member list, search by surname", members, {"q": sample.last_name}),
        Page("member list, search by phone", members, {"q": str(sample.phone)}),
        Page("member list, paid-this-month filter", members, {"paid": "yes"}),
        Page("member list, roots (largest downlines)", members, {"has_sponsor": "no"}),
        Page("member list, the biggest downline's head", members, {"q": head.external_id}),
        Page(
            "autocomplete (surname prefix)",
            reverse("admin:autocomplete"),
            {**autocomplete, "term": sample.last_name[:4]},
        ),
        Page("member change page", change(sample), {}),
        Page("member change page, biggest downline", change(head), {}),
        Page("member downline page", downline(sample), {}),
        Page("member downline page, biggest downline", downline(head), {}),
        Page("member lookup", reverse("admin:bonuses_member_lookup"), {"member": sample.pk}),
        Page("payments list", payments, {}),
        Page("payments list, month filter", payments, {"month": format_month(last_month)}),
        Page("payments month picker", reverse("admin:bonuses_payment_month"), {}),
    ]


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the admin's member list, a search, the autocomplete and more (median ms)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat, **options):
        if not Member.objects.exists():
            raise CommandError("No members: seed a club first (manage.py seed_demo).")
        total = Member.objects.count()
        self.stdout.write(f"{connection.vendor}, {total} members, median of {repeat} runs")
        try:
            with transaction.atomic():
                self._run(repeat)
                raise _Rollback
        except _Rollback:
            pass

    def _run(self, repeat: int) -> None:
        user = get_user_model().objects.create_superuser(
            "bench-admin", "bench-admin@example.test", "unused"
        )
        client = Client()
        client.force_login(user)
        # A member with a real downline, found by an index (a sponsor of a recent member).
        sample = Member.objects.filter(numchild__gt=0, depth__gte=2).order_by("-pk").first()
        sample = sample or Member.objects.order_by("-pk").first()
        worst = 0.0
        self.stdout.write(
            f"{'page':<42} {'median':>8} {'of it SQL':>10} {'web CPU':>8} {'queries':>8}"
        )
        for page in pages(sample):
            times, sql_times, cpu_times = [], [], []
            for attempt in range(repeat + 1):
                with CaptureQueriesContext(connection) as queries:
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = client.get(page.url, page.params)
                    elapsed = (time.perf_counter() - started) * 1000
                    cpu = (time.process_time() - cpu_started) * 1000
                if response.status_code != 200:
                    raise CommandError(f"{page.name}: HTTP {response.status_code}")
                if attempt:  # the first is a warm-up
                    times.append(elapsed)
                    sql_times.append(sum(float(q["time"]) for q in queries) * 1000)
                    cpu_times.append(cpu)
            median = statistics.median(times)
            worst = max(worst, median)
            flag = "" if median <= TARGET_MS else f"  (over {TARGET_MS} ms)"
            self.stdout.write(
                f"{page.name:<42} {median:5.0f} ms {statistics.median(sql_times):7.0f} ms "
                f"{statistics.median(cpu_times):5.0f} ms {len(queries):8d}{flag}"
            )
        self.stdout.write(f"slowest: {worst:.0f} ms (target {TARGET_MS} ms)")
