"""The safety net of the maintained figures (docs/statements.md)."""

from django.core.management.base import BaseCommand, CommandError

from bonuses.services.figures import figures_check
from core.periods import format_month, parse_month


class Command(BaseCommand):
    help = (
        "Compare the maintained statement figures of an open month with the figures "
        "computed over each downline (every member, or a random sample) and report any "
        "difference; --repair rebuilds the month's figures set-based when one is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM (default: this month)")
        parser.add_argument("--sample", type=int, help="check N random members, not all")
        parser.add_argument("--repair", action="store_true")

    def handle(self, *args, period, sample, repair, **options):
        try:
            month = parse_month(period) if period else None
        except ValueError as exc:
            raise CommandError(f"--period: {exc}") from exc
        if sample is not None and sample < 1:
            raise CommandError("--sample must be at least 1")
        try:
            check = figures_check(period=month, sample=sample, repair=repair)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        scope = "a sample of" if check.sample else "all"
        self.stdout.write(
            f"{format_month(check.period)}: checked {scope} {check.members} members in "
            f"{check.duration_ms} ms: {check.differences} differences."
        )
        for member_id, level, cents, expected, found in check.details:
            what = "followers" if cents is None else f"paid {cents / 100:.2f}"
            self.stdout.write(
                f"  member #{member_id} level {level} {what}: expected {expected}, kept {found}"
            )
        if check.repaired:
            self.stdout.write(f"Rebuilt the figures of {format_month(check.period)}.")
        if check.differences and not check.repaired:
            raise CommandError(f"{check.differences} differences (run with --repair to rebuild)")
