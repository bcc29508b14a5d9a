"""The four files of ../shared/cases/ (copied to tests/imports/cases/) behave as its README
says a person looking at them in Excel expects."""

import csv
import io
import time

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from bonuses.imports.members import plan_members, read_members
from bonuses.imports.run import run_import
from bonuses.models import Member

from .workbooks import case, far_formatted_cell

pytestmark = pytest.mark.django_db
FORMULA_NAMES = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "Ann", "-2+3"]


def test_formula_names_are_imported_as_written_and_exported_harmless(tmp_path):
    outcome = run_import("members", case("members-formula-names.csv"), "f.csv", dry_run=False)
    assert outcome.ok and outcome.written, outcome.errors
    names = dict(Member.objects.values_list("external_id", "first_name"))
    assert [names[f"F{i}"] for i in range(1, 5)] == FORMULA_NAMES
    assert Member.objects.get(external_id="F3").last_name == "@SUM(1+1)"

    call_command("export_members", str(tmp_path / "m.csv"), "--delimiter", ";")
    text = (tmp_path / "m.csv").read_text(encoding="utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text), delimiter=";") for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://x","y")' in cells and "'@SUM(1+1)" in cells

    call_command("export_members", str(tmp_path / "m.xlsx"))
    sheet = load_workbook(tmp_path / "m.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert {c.value for c in cells} >= {*FORMULA_NAMES, "@SUM(1+1)"}

    # Both read back to the names as they were: nothing changes.
    for name in ("m.csv", "m.xlsx"):
        again = run_import("members", (tmp_path / name).read_bytes(), name, dry_run=True)
        assert again.ok and again.counts["unchanged"] == 4, (name, again.errors, again.counts)


def test_utf16_unicode_text_with_tabs_is_read_as_utf16():
    data = case("members-utf16-tab-separated.txt")
    table = read_members(data, "members.txt")
    assert table.source == {"format": "csv", "encoding": "utf-16", "separator": "\t"}
    outcome = run_import("members", data, "members.txt", dry_run=False)
    assert outcome.ok and outcome.written, outcome.errors
    aigerim = Member.objects.get(external_id="U1")
    assert (aigerim.first_name, aigerim.last_name, str(aigerim.phone)) == (
        "Айгерим",
        "Нурланова",
        "+77011112233",
    )


@pytest.mark.parametrize("far_cell", [None, "XFD1048576", "XFD1"])
def test_a_huge_declared_range_is_read_where_the_data_stops(far_cell):
    data = case("members-used-range-to-row-1048576.xlsx")
    if far_cell:  # the variant that never finished: the cell at the last column
        data = far_formatted_cell(data, far_cell)
    start = time.perf_counter()
    outcome = run_import("members", data, "members.xlsx", dry_run=True, preview_rows=10)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, elapsed
    assert outcome.ok and outcome.counts["new"] == 2
    assert [r["row"] for r in outcome.rows] == [2, 3]
    assert not Member.objects.exists()


def test_the_visible_active_sheet_is_read_and_named():
    data = case("members-hidden-first-sheet.xlsx")
    plan = plan_members(read_members(data, "members.xlsx"))
    assert plan.source == {
        "format": "xlsx",
        "sheet": "Участники",
        "other_sheets": ["Архив 2018 (hidden)"],
    }
    outcome = run_import("members", data, "members.xlsx", dry_run=False)
    assert outcome.written
    assert set(Member.objects.values_list("external_id", flat=True)) == {"N1", "N2"}


def test_the_command_says_which_sheet_it_read(tmp_path, capsys):
    path = tmp_path / "members.xlsx"
    path.write_bytes(case("members-hidden-first-sheet.xlsx"))
    call_command("import_members", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "sheet “Участники”" in out and "Архив 2018 (hidden)" in out
