from django.core.management.base import BaseCommand, CommandError

from bonuses import resources
from bonuses.resources import add_delimiter_argument
from core.periods import current_period, parse_month


class Command(BaseCommand):
    help = "Export every member's statement for a month, with the level breakdown."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--month", help="YYYY-MM (default: this month)")
        add_delimiter_argument(parser)

    def handle(self, *args, file, month=None, delimiter=None, **options):
        try:
            period = parse_month(month) if month else current_period()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        count = resources.export_statements(period, file, delimiter=delimiter)
        self.stdout.write(self.style.SUCCESS(f"{file}: {count} rows"))
