from django.core.management.base import BaseCommand

from bonuses import resources


class Command(BaseCommand):
    help = "Export ledger to a .csv or .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        count = resources.export_ledger(file)
        self.stdout.write(self.style.SUCCESS(f"{file}: {count} rows"))
