from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bonuses.imports.errors import ImportFileError
from bonuses.imports.limits import check_upload_size
from bonuses.imports.run import run_import


def describe_source(source: dict) -> str:
    """What was read: the sheet (and the workbook's other sheets), or the text's encoding
    and separator."""
    if source.get("format") == "xlsx":
        text = f"read the sheet “{source['sheet']}”"
        if source.get("other_sheets"):
            text += f"; the workbook also has: {', '.join(source['other_sheets'])}"
        return text
    separator = {"\t": "tabs"}.get(source.get("separator"), f"“{source.get('separator')}”")
    return f"read as text in {source.get('encoding')}, separated by {separator}"


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx file, or CSV / text saved from Excel")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--accept-warnings",
            action="store_true",
            help="write even though the check has warnings (read them first: the admin's "
            "preview asks the same confirmation)",
        )

    def handle(self, *args, file, dry_run, accept_warnings, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            check_upload_size(path.stat().st_size)  # before reading it into memory
        except ImportFileError as exc:
            raise CommandError(f"{path.name}: {exc}") from exc
        outcome = run_import(
            self.kind, path.read_bytes(), path.name, dry_run=dry_run, confirmed=accept_warnings
        )
        if outcome.file_error:
            raise CommandError(outcome.file_error)
        self.stdout.write(f"{path.name}: {describe_source(outcome.source)}")
        for error in outcome.errors:
            self.stderr.write(f"{path.name}: {error}")
        for warning in outcome.warnings:
            self.stderr.write(f"{path.name}: warning: {warning}")
        counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items())
        if outcome.errors:
            raise CommandError(
                f"{len(outcome.errors)} error(s) in {path.name}; nothing was written ({counts})"
            )
        if outcome.warnings and not dry_run and not outcome.written:
            raise CommandError(
                f"{len(outcome.warnings)} warning(s) in {path.name}; nothing was written. "
                "Read them, then run again with --accept-warnings to import."
            )
        verb = "would import" if dry_run else "imported"
        self.stdout.write(self.style.SUCCESS(f"{path.name}: {verb} {self.kind}: {counts}"))
