"""Benchmark the spreadsheet import and the exports on a generated club (docs/benchmarks.md).

First the files that must be answered at once, each checked in a child process so its
time and peak memory are its own (Django's start-up included): the 5 KB workbook whose
declared range reaches row 1 048 576 (tests/imports/cases), its variant with the cell at
column XFD, and two zip bombs (64 MB and 200 MB of sheet XML).

Then writes a members CSV (random sponsors by preferential attachment, rows shuffled so
most sponsors come after the members they sponsor) and a payments CSV, imports both with
the same code as import_members / import_payments, then times the exports. Peak memory
is the process's maximum resident set size (resource.getrusage), which includes Django.
"""

import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from bonuses import resources
from bonuses.imports.run import run_import
from bonuses.models import Member
from bonuses.services.demo import FIRST_NAMES, LAST_NAMES, _pick_sponsors
from core.periods import add_months, current_period, format_month


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Time importing N members with sponsors (and a month of payments) and the exports."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--files-only", action="store_true", help="only the refused and huge-range files"
        )

    def _check_in_child(self, path: Path) -> tuple[float, float, str]:
        """(seconds, peak MB, last line) of `import_members FILE --dry-run` in a child."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "import_members", str(path), "--dry-run"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "BONUSDESK_TESTING": "1"},
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        last = (done.stdout + done.stderr).strip().splitlines()[-1][:110]
        return elapsed, peak, last

    def _files(self, folder: Path) -> None:
        from bonuses.imports.run import run_import
        from tests.imports.workbooks import case, far_formatted_cell, zip_bomb

        huge = case("members-used-range-to-row-1048576.xlsx")
        files = {
            "5 KB, range to row 1 048 576": huge,
            "range to XFD1048576": far_formatted_cell(huge, "XFD1048576"),
        }
        for label, data in files.items():
            path = folder / "huge.xlsx"
            path.write_bytes(data)
            timings = []
            for _ in range(5):
                start = time.perf_counter()
                outcome = run_import("members", data, path.name, dry_run=True)
                timings.append(time.perf_counter() - start)
            assert outcome.ok, outcome.errors
            seconds, peak, _last = self._check_in_child(path)
            self._say(
                f"check {label} ({len(data):,} bytes): in process best {min(timings) * 1000:.0f} "
                f"ms; as a command {seconds:.1f} s, peak RSS {peak:.0f} MB"
            )
        for megabytes in (64, 200):
            bomb = zip_bomb(folder / f"bomb{megabytes}.xlsx", megabytes)
            seconds, peak, last = self._check_in_child(bomb)
            self._say(
                f"zip bomb {bomb.stat().st_size:,} bytes -> {megabytes} MB: {seconds:.1f} s, "
                f"peak RSS {peak:.0f} MB: {last}"
            )

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _write_files(self, folder: Path, count: int, seed: int) -> tuple[Path, Path]:
        rng = random.Random(seed)
        run = f"B{rng.randrange(10**6):06d}-"
        parents = _pick_sponsors(rng, count, root_share=0.02)
        order = list(range(count))
        rng.shuffle(order)
        members = folder / "members.csv"
        with members.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(
                ["Номер", "Фамилия", "Имя", "Телефон", "Email", "Дата рождения", "Пригласил"]
            )
            for i in order:
                sponsor = f"{run}{parents[i]}" if parents[i] >= 0 else ""
                writer.writerow(
                    [
                        f"{run}{i}",
                        rng.choice(LAST_NAMES),
                        rng.choice(FIRST_NAMES),
                        f"8 707 {i:07d}" if i % 3 == 0 else "",
                        f"{run.lower()}{i}@bench.test" if i % 2 == 0 else "",
                        f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}."
                        f"19{rng.randint(60, 99)}",
                        sponsor,
                    ]
                )
        payments = folder / "payments.csv"
        month = format_month(add_months(current_period(), -1))
        with payments.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(["member", "month", "amount", "paid"])
            for i in range(count):
                if rng.random() < 0.7:
                    writer.writerow([f"{run}{i}", month, "", "да"])
        return members, payments

    def handle(self, *args, members, seed, files_only, **options):
        vendor = connection.vendor
        self._say(f"{vendor}: {Member.objects.count()} members before; peak {_peak_mb():.0f} MB")
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            self._files(folder)
            if files_only:
                return
            start = time.perf_counter()
            members_file, payments_file = self._write_files(folder, members, seed)
            self._say(f"files written in {time.perf_counter() - start:.1f} s")
            for kind, path in (("members", members_file), ("payments", payments_file)):
                data = path.read_bytes()
                start = time.perf_counter()
                outcome = run_import(kind, data, path.name, dry_run=False)
                elapsed = time.perf_counter() - start
                if not outcome.ok:
                    self._say(f"{kind}: {len(outcome.errors)} errors, first {outcome.errors[:3]}")
                    return
                rows = sum(outcome.counts.values())
                self._say(
                    f"import {kind}: {rows} rows in {elapsed:.1f} s "
                    f"({rows / elapsed:,.0f} rows/s), peak RSS {_peak_mb():.0f} MB"
                )
            last_month = add_months(current_period(), -1)
            for name, export in (
                ("members", resources.export_members),
                ("payments", resources.export_payments),
                ("statements", lambda p: resources.export_statements(last_month, p)),
            ):
                for suffix in (".csv", ".xlsx"):
                    target = str(folder / f"export-{name}{suffix}")
                    start = time.perf_counter()
                    count = export(target)
                    self._say(
                        f"export {name}{suffix}: {count} rows in "
                        f"{time.perf_counter() - start:.1f} s, peak RSS {_peak_mb():.0f} MB"
                    )
