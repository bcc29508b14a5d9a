from django.conf import settings
from django.core.management.base import BaseCommand

from bonuses.services.demo import demo_catch_up, load_demo_club
from core.periods import format_month


class Command(BaseCommand):
    help = (
        "Load the small demo club from fixtures/demo_club.json (skipped if already loaded), "
        "close every past month, send the newest month's statements by email and check this "
        "month's statement figures once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-close",
            action="store_true",
            help="only load the members and payments: close nothing, send nothing",
        )

    def handle(self, *args, no_close=False, **options):
        if load_demo_club():
            self.stdout.write(self.style.SUCCESS("Demo club loaded."))
        else:
            self.stdout.write("Demo club already loaded.")
        if no_close:
            return
        done = demo_catch_up()
        if done.closed:
            months = ", ".join(format_month(p) for p in done.closed)
            self.stdout.write(f"Closed {len(done.closed)} past month(s): {months}.")
        if done.statements_of is not None:
            self.stdout.write(
                f"Statements of {format_month(done.statements_of)}: {done.sent} sent "
                f"({_where_mail_goes()})."
            )
        check = done.check
        self.stdout.write(
            f"Statement figures of {format_month(check.period)} checked for "
            f"{check.members} members: {check.differences} differences."
        )


def _where_mail_goes() -> str:
    """Where the sent statements are, in the words of the configured email backend."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend == "filebased":
        return f"written to {settings.EMAIL_FILE_PATH}/"
    if backend == "console":
        return "printed above"
    return f"through {settings.EMAIL_BACKEND}"
