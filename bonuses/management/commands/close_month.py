from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from bonuses import services
from bonuses.models import MonthClose
from core.money import format_money
from core.periods import format_month, parse_month


class Command(BaseCommand):
    help = "Close a past month (or, with no --month, every unclosed past month in order)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; default: catch up every unclosed month")
        parser.add_argument(
            "--dry-run", action="store_true", help="show the figures, write nothing"
        )

    def handle(self, *args, month=None, dry_run=False, **options):
        try:
            period = parse_month(month) if month else None
            results = services.month_close(
                period=period, via=MonthClose.Via.COMMAND, dry_run=dry_run
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if not results:
            self.stdout.write("Nothing to close: every past month is closed.")
        closed = [r.period for r in results if not r.already_closed and not r.dry_run]
        if closed:
            from bonuses.tasks import queue_statements

            # The members' statements go out from the worker, as after a scheduled close.
            queue_statements(closed)
        for r in results:
            state = "already closed" if r.already_closed else ("dry run" if r.dry_run else "closed")
            levels = ", ".join(f"L{lv.level} {format_money(lv.amount)}" for lv in r.levels)
            self.stdout.write(
                f"{format_month(r.period)} {state}: total {format_money(r.total)} "
                f"({levels}; referred {format_money(r.referred)}), {r.earners} earners, "
                f"{r.payments} paid payments, {r.entries} entries, {r.duration_ms} ms"
            )
        if closed:
            self.stdout.write(
                "Statements queued for the worker (manage.py qcluster); "
                "send_statements --month sends them from here."
            )
