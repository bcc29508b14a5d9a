from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from bonuses.models import MonthClose, StatementMail
from bonuses.selectors import member_find
from bonuses.services import statement_mails
from core.periods import format_month, parse_month


class Command(BaseCommand):
    help = (
        "Send the month-close statements of a closed month by email, once per member "
        "(what the worker does after a close). With --member, that member's statement only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM, a closed month")
        parser.add_argument("--member", help="username, email, phone, club number or referral code")
        parser.add_argument(
            "--again",
            action="store_true",
            help="with --member: send even if that member's statement was already sent",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="say who would get one; write and send nothing"
        )

    def handle(self, *args, month, member=None, again=False, dry_run=False, **options):
        try:
            period = parse_month(month)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not MonthClose.objects.filter(period=period).exists():
            raise CommandError(f"{format_month(period)} is not closed: close it first.")
        found = None
        if member is not None:
            found = member_find(member)
            if found is None:
                raise CommandError(f"No single member matches {member!r}.")
        if dry_run:
            self._dry_run(period, found)
        elif found is not None:
            row = statement_mails.statement_mail_send_one(member=found, period=period, again=again)
            self.stdout.write(f"{found}: {row.state}{f' ({row.error})' if row.error else ''}")
        else:
            queued = statement_mails.statement_mails_queue(period=period)
            report = statement_mails.statement_mails_send(period=period)
            self.stdout.write(
                f"{format_month(period)}: {queued} newly queued; sent {report.sent}, "
                f"failed {report.failed}, not sent (off or no email) {report.skipped}, "
                f"still pending {report.remaining}"
            )

    def _dry_run(self, period, found) -> None:
        """Reads only: who is due (queued or not yet) and what was already done."""
        due = statement_mails.statement_mails_due(period=period)
        if found is not None:
            row = StatementMail.objects.filter(member=found, period=period).first()
            if row is not None:
                state = row.state
            else:
                state = "due" if due.filter(member_id=found.pk).exists() else "not due"
            self.stdout.write(f"{found}: {state} (dry run: nothing sent)")
            return
        done = dict(
            StatementMail.objects.filter(period=period)
            .values_list("state")
            .annotate(n=Count("id"))
            .order_by()
        )
        pending = done.get(StatementMail.State.PENDING, 0)
        fresh = due.exclude(
            member_id__in=StatementMail.objects.filter(period=period).values("member_id")
        ).count()
        self.stdout.write(
            f"{format_month(period)} (dry run: nothing written or sent): would send "
            f"{pending + fresh} ({fresh} not queued yet); already sent "
            f"{done.get(StatementMail.State.SENT, 0)}, failed "
            f"{done.get(StatementMail.State.FAILED, 0)}, turned off "
            f"{done.get(StatementMail.State.OFF, 0)}, no email "
            f"{done.get(StatementMail.State.NO_EMAIL, 0)}"
        )
