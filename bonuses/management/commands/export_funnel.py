from django.core.management.base import BaseCommand

from bonuses import resources
from bonuses.resources import add_delimiter_argument


class Command(BaseCommand):
    help = (
        "Export every member's referral funnel of the last 12 months (opened, signed up, "
        "paid first month) to a .csv or .xlsx file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        add_delimiter_argument(parser)

    def handle(self, *args, file, delimiter=None, **options):
        count = resources.export_funnel(file, delimiter=delimiter)
        self.stdout.write(self.style.SUCCESS(f"{file}: {count} rows"))
