from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bonuses.imports.run import run_import


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        outcome = run_import(self.kind, path.read_bytes(), path.name, dry_run=dry_run)
        if outcome.file_error:
            raise CommandError(outcome.file_error)
        for error in outcome.errors:
            self.stderr.write(f"{path.name}: {error}")
        counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items())
        if outcome.errors:
            raise CommandError(
                f"{len(outcome.errors)} error(s) in {path.name}; nothing was written ({counts})"
            )
        verb = "would import" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {verb} {self.kind}: {counts}"))
