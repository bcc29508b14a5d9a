"""Time the admin's busiest pages on the club in DATABASE_URL (docs/benchmarks.md).

Each page is fetched through Django's test Client as a logged-in superuser (one that
exists only inside a rolled-back transaction: admin_site/management/benching.py), once to
warm up and then `--repeat` times; the median is reported, with the part spent waiting for
SQL and the web process's own CPU time (which other load on the machine does not
inflate, unlike the wall time). Nothing the pages write is left behind.
"""

import statistics
import time
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from admin_site.management.benching import rolled_back_superuser
from bonuses.models import Member
from core.periods import add_months, current_period, format_month

TARGET_MS = 300


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    params: dict


def _phone_forms(member: Member) -> tuple[str, str, str]:
    """The member's phone as staff type it: `8 701 …`, `+7 701 …` and `701 …` (part)."""
    digits = str(member.phone)[2:]  # +7XXXXXXXXXX -> the ten national digits
    spaced = f"{digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}"
    return f"8 {spaced}", f"+7 {spaced}", f"{digits[:3]} {digits[3:6]} {digits[6:8]}"


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
    ledger = reverse("admin:bonuses_ledgerentry_changelist")
    last_month = add_months(current_period(), -1)
    surname, first = sample.last_name, sample.first_name
    local, international, part = _phone_forms(sample)
    email_part = sample.email.split("@")[0] + "@"
    searches = [
        ("first name alone", first),
        ("surname in capitals", surname.upper()),
        (
            "ё written е, lower case",
            first.lower().replace("ё", "е") if "ё" in first.lower() else surname.lower(),
        ),
        ("surname first-name", f"{surname} {first}"),
        ("first-name surname", f"{first} {surname}"),
        ("part of the email", email_part),
        ("phone 8 701 …", local),
        ("phone +7 701 …", international),
        ("part of the phone 701 …", part),
        ("club number", sample.external_id),
        ("nobody", "Несуществующая Фамилия"),
    ]
    listed = [Page(f"member list, {name}", members, {"q": text}) for name, text in searches]
    return [
        Page("member list", members, {}),
        *listed,
        Page("member list, paid-this-month filter", members, {"paid": "yes"}),
        Page("member list, roots (largest downlines)", members, {"has_sponsor": "no"}),
        Page("member list, the biggest downline's head", members, {"q": head.external_id}),
        Page(
            "autocomplete, beginning of a surname",
            reverse("admin:autocomplete"),
            {**autocomplete, "term": surname[:4].lower()},
        ),
        Page(
            "autocomplete, first-name surname",
            reverse("admin:autocomplete"),
            {**autocomplete, "term": f"{first} {surname}"},
        ),
        Page(
            "autocomplete, phone 8 701 …",
            reverse("admin:autocomplete"),
            {**autocomplete, "term": local},
        ),
        Page("member change page", change(sample), {}),
        Page("member change page, biggest downline", change(head), {}),
        Page(
            "  its figures, loaded after the page",
            reverse("admin:bonuses_member_summary", args=[head.pk]),
            {"toggles": "1"},
        ),
        Page("member downline page", downline(sample), {}),
        Page("member downline page, biggest downline", downline(head), {}),
        Page("member lookup", reverse("admin:bonuses_member_lookup"), {"member": sample.pk}),
        Page(
            "member lookup, biggest downline",
            reverse("admin:bonuses_member_lookup"),
            {"member": head.pk},
        ),
        Page("payments list", payments, {}),
        Page("payments list, month filter", payments, {"month": format_month(last_month)}),
        Page("payments list, search by surname", payments, {"q": surname}),
        Page("payments list, search first-name surname", payments, {"q": f"{first} {surname}"}),
        Page("payments list, search by phone", payments, {"q": local}),
        Page("payments month picker", reverse("admin:bonuses_payment_month"), {}),
        Page("ledger, search by surname", ledger, {"q": surname.upper()}),
        Page("ledger, search first-name surname", ledger, {"q": f"{first} {surname}"}),
        Page("ledger, search by phone", ledger, {"q": part}),
    ]


class Command(BaseCommand):
    help = "Time the admin's member list, a search, the autocomplete and more (median ms)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat, **options):
        if not Member.objects.exists():
            raise CommandError("No members: seed a club first (manage.py seed_demo).")
        total = Member.objects.count()
        self.stdout.write(f"{connection.vendor}, {total} members, median of {repeat} runs")
        with rolled_back_superuser() as client:
            self._run(client, repeat)

    def _run(self, client, repeat: int) -> None:
        # A member with a real downline and an ё in the name (for the ё/е search), found
        # by walking back from the newest members.
        members = Member.objects.filter(numchild__gt=0, depth__gte=2).order_by("-pk")
        sample = members.filter(first_name__contains="ё").first() or members.first()
        sample = sample or Member.objects.order_by("-pk").first()
        worst = 0.0
        self.stdout.write(
            f"{'page':<52} {'median':>8} {'of it SQL':>10} {'web CPU':>8} {'queries':>8}"
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
                f"{page.name:<52} {median:5.0f} ms {statistics.median(sql_times):7.0f} ms "
                f"{statistics.median(cpu_times):5.0f} ms {len(queries):8d}{flag}"
            )
        self.stdout.write(f"slowest: {worst:.0f} ms (target {TARGET_MS} ms)")
