"""Time the bonus pages of the admin (ledger, month close, plan, payout) on the club in
the database, read-only (admin_site.management.benching); docs/benchmarks.md."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse

from admin_site.management.benching import rolled_back_superuser, time_page
from bonuses.models import LedgerEntry, Member, MonthClose
from core.periods import format_month


class Command(BaseCommand):
    help = "Time the ledger, month close, plan and payout pages as a superuser."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args, repeat, **options):
        entries = LedgerEntry.objects.count()
        members = Member.objects.count()
        if not members:
            raise CommandError("The database has no members: run seed_demo first.")
        entry = LedgerEntry.objects.order_by("-id").first()
        close = MonthClose.objects.order_by("-period").first()
        member = Member.objects.order_by("path").first()
        ledger = reverse("admin:bonuses_ledgerentry_changelist")
        pages = [
            ("month close page", reverse("admin:month_close")),
            ("ledger list", ledger),
            ("ledger, kind = adjustment", f"{ledger}?kind=adjustment"),
            ("ledger, search by name", f"{ledger}?q={member.last_name}"),
            ("plan versions", reverse("admin:bonuses_plan_changelist")),
            ("payout page with balance", f"{reverse('admin:bonuses_ledgerentry_payout')}"
             f"?member={member.pk}"),
        ]  # fmt: skip
        if close is not None:
            pages.append(
                ("ledger, one closed month", f"{ledger}?period={format_month(close.period)}")
            )
        if entry is not None:
            url = reverse("admin:bonuses_ledgerentry_change", args=[entry.pk])
            pages.append(("ledger entry", url))
        self.stdout.write(
            f"{connection.vendor}, {members:,} members, {entries:,} ledger entries".replace(
                ",", " "
            )
        )
        with rolled_back_superuser() as client:
            for name, url in pages:
                median, worst, queries = time_page(client, url, repeat)
                self.stdout.write(
                    f"{name}: median {median:.0f} ms, max {worst:.0f} ms, {queries} queries"
                )
