"""Files as staff and other programs really write them, generated: every kind is read as
a person sees it in Excel, or refused by row or as a whole with nothing written."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from bonuses.imports.errors import ImportFileError
from bonuses.imports.members import MAX_DEPTH
from bonuses.imports.reading import MEMBER_ALIASES, read_table
from bonuses.imports.run import run_import
from bonuses.models import Member, Payment
from tests.factories import chain, enroll

from .helpers import csv_bytes, member_row, write
from .workbooks import cache_formula_values, hide_every_sheet, xlsx

pytestmark = pytest.mark.django_db
HEADER = ["Номер", "Имя", "Фамилия", "Телефон", "Пригласил"]


def _check(data, name="members.xlsx", kind="members"):
    return run_import(kind, data, name, dry_run=True, preview_rows=100)


def _errors(outcome):
    return [(e.row, e.column, e.message) for e in outcome.errors]


def _write_refused(data, name="members.xlsx"):
    """Importing for real writes nothing and says why."""
    before = Member.objects.count()
    outcome = run_import("members", data, name, dry_run=False)
    assert not outcome.written and Member.objects.count() == before
    return outcome


# --- XLSX -----------------------------------------------------------------------------


def test_a_merged_cell_applies_to_every_cell_of_its_range():
    def build(book, sheet):
        sheet.merge_cells("E2:E4")  # one sponsor for three rows, as staff lay it out

    data = xlsx(
        [HEADER, ["A1", "Аня", "Ли", "", "S1"], ["A2", "Бек", "Ли", "", None]]
        + [["A3", "Вика", "Ли", "", None], ["S1", "Сара", "Спонсор", "", ""]],
        build=build,
    )
    outcome = run_import("members", data, "m.xlsx", dry_run=False)
    assert outcome.written, outcome.errors
    sponsors = dict(Member.objects.values_list("external_id", "sponsor__external_id"))
    assert sponsors == {"A1": "S1", "A2": "S1", "A3": "S1", "S1": None}


def test_a_merged_header_and_rows_above_the_header_are_read():
    def build(book, sheet):
        sheet.insert_rows(1, 2)  # a title row and an empty one above the table
        sheet["A1"] = "Список участников"
        sheet.merge_cells("A1:E1")

    outcome = _check(xlsx([HEADER, ["A1", "Аня", "Ли", "", ""]], build=build))
    assert outcome.ok and [(r["row"], r["key"]) for r in outcome.rows] == [(4, "A1")]


def test_a_formula_is_read_by_its_saved_value():
    data = xlsx(
        [HEADER, ["A1", "Аня", "Ли", "", ""], ["A2", "=B2", "Ли", "", "=A2"]],
    )
    data = cache_formula_values(data, {"B3": "Аня", "E3": "A1"})
    outcome = run_import("members", data, "m.xlsx", dry_run=False)
    assert outcome.written, outcome.errors
    child = Member.objects.get(external_id="A2")
    assert (child.first_name, child.sponsor.external_id) == ("Аня", "A1")


def test_a_formula_without_a_saved_value_is_a_row_error_naming_the_cell():
    # openpyxl, like many programs, saves formulas without their result.
    data = xlsx([HEADER, ["A1", "Аня", "Ли", "", ""], ["A2", "Бек", "Ли", "", "=A2"]])
    outcome = _write_refused(data)
    assert _errors(outcome) == [
        (
            3,
            "sponsor",
            "Cell E3 holds a formula saved without its result (programs that write files "
            "often do this). Open the file in Excel and save it, or copy the column and "
            "paste it as values.",
        )
    ]
    assert outcome.counts["error"] == 1


def test_an_error_value_is_a_row_error():
    data = cache_formula_values(
        xlsx([HEADER, ["A1", "Аня", "Ли", "=1/0", ""]]), {"D2": "#DIV/0!"}, kind="e"
    )
    outcome = _write_refused(data)
    assert _errors(outcome) == [
        (2, "phone", "Cell D2 shows the error #DIV/0!: correct it in the file.")
    ]


def test_the_active_sheet_is_read_and_hidden_ones_never():
    def build(book, sheet):
        archive = book.create_sheet("Archive", 0)
        archive.append(HEADER)
        archive.append(["OLD", "Старый", "Архив", "", ""])
        draft = book.create_sheet("Draft")
        draft.append(HEADER)
        draft.append(["D1", "Черновик", "Ли", "", ""])
        book.active = book.worksheets.index(sheet)

    data = xlsx([HEADER, ["A1", "Аня", "Ли", "", ""]], build=build)
    outcome = _check(data)
    assert outcome.source["sheet"] == "Members"
    assert outcome.source["other_sheets"] == ["Archive", "Draft"]
    assert [r["key"] for r in outcome.rows] == ["A1"]

    def hide_active(book, sheet):
        build(book, sheet)
        book.active = 0
        book["Archive"].sheet_state = "hidden"  # a program saved it active *and* hidden

    outcome = _check(xlsx([HEADER, ["A1", "Аня", "Ли", "", ""]], build=hide_active))
    assert outcome.source == {
        "format": "xlsx",
        "sheet": "Members",
        "other_sheets": ["Archive (hidden)", "Draft"],
    }
    assert [r["key"] for r in outcome.rows] == ["A1"]


def test_a_workbook_of_hidden_sheets_is_refused():
    outcome = _write_refused(hide_every_sheet(xlsx([HEADER, ["A1", "Аня", "Ли", "", ""]])))
    assert "Every sheet of this workbook is hidden" in outcome.file_error


def test_club_numbers_keep_the_digits_the_person_sees():
    enroll(external_id="00123", first_name="Ира")
    enroll(external_id="777", first_name="Оля")

    def build(book, sheet):
        sheet["A2"].number_format = "00000"  # Excel shows 00123

    data = xlsx([["Номер", "Имя"], [123, "Ира"], [777.0, "Оля"]], build=build)
    outcome = _check(data)
    assert outcome.ok and outcome.counts == {"new": 0, "updated": 0, "unchanged": 2, "error": 0}


def test_a_club_number_that_lost_its_zeros_is_flagged_not_matched_elsewhere():
    enroll(external_id="00123", first_name="Ира")
    # Excel turned 00123 into 123: no such number; a new member would be a duplicate.
    outcome = _write_refused(xlsx([["Номер", "Имя"], [123, "Ира"]]))
    assert _errors(outcome) == [
        (
            2,
            "external_id",
            "There is no club number “123”, but there is “00123”: Excel drops the leading "
            "zeros of numbers. Format the column as Text in Excel and type the numbers "
            "again with their zeros.",
        )
    ]
    # Nor may a member found by email have its number cut to 123.
    enroll(external_id="00456", first_name="Оля", email="olya@x.kz")
    outcome = _write_refused(xlsx([["Номер", "Имя", "email"], [456, "Оля", "olya@x.kz"]]))
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "external_id")]
    # A payment naming 123 is refused the same way, never paid to someone else.
    outcome = run_import(
        "payments", xlsx([["member", "month"], [123, "2026-05"]]), "p.xlsx", dry_run=False
    )
    assert [e.column for e in outcome.errors] == ["member"] and not Payment.objects.exists()
    # When 123 exists too, the match stands but staff are asked to look.
    enroll(external_id="123", first_name="Другой")
    outcome = _check(xlsx([["member", "month"], [123, "2026-05"]]), "p.xlsx", "payments")
    assert outcome.ok and [w.column for w in outcome.warnings] == ["member"]


def test_a_number_excel_cut_short_is_a_row_error():
    data = xlsx([["Номер", "Имя", "Телефон"], [12345678901234567890, "Ира", ""]])
    outcome = _write_refused(data)
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "external_id")]
    assert "Excel has cut short" in outcome.errors[0].message
    data = csv_bytes([["Ира", "8,70111E+10"]], header=["first_name", "phone"])
    outcome = _write_refused(data, "m.csv")
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "phone")]


def test_dates_and_amounts_typed_in_cells_are_read():
    data = xlsx(
        [
            ["Номер", "Имя", "Дата рождения", "opening_balance"],
            ["A1", "Аня", date(1990, 3, 5), 1500.5],
        ]
    )
    outcome = run_import("members", data, "m.xlsx", dry_run=False)
    assert outcome.written, outcome.errors
    assert Member.objects.get().birth_date == date(1990, 3, 5)


# --- text files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [
        ("utf-16", "\t"),  # Excel's "Unicode text"
        ("utf-16", ";"),
        ("utf-16-le", "\t"),  # no byte-order mark
        ("utf-16-be", ","),
        ("cp1251", ";"),
        ("cp1251", "\t"),
        ("utf-8-sig", ","),
        ("utf-8", "\t"),
    ],
)
def test_text_encodings_and_separators(encoding, separator):
    data = csv_bytes(
        [member_row("A1", "Әлия", last_name="Ким"), member_row("A2", "Пётр", sponsor="A1")],
        delimiter=separator,
        encoding=encoding,
    ) if encoding != "cp1251" else csv_bytes(
        [member_row("A1", "Алия", last_name="Ким"), member_row("A2", "Пётр", sponsor="A1")],
        delimiter=separator,
        encoding=encoding,
    )  # fmt: skip
    outcome = run_import("members", data, "members.txt", dry_run=False)
    assert outcome.written, (outcome.file_error, outcome.errors)
    assert outcome.source["separator"] == separator
    assert Member.objects.get(external_id="A2").sponsor.last_name == "Ким"
    assert Member.objects.get(external_id="A2").first_name == "Пётр"


def test_a_utf8_file_with_a_row_in_another_encoding_is_refused_not_garbled():
    rows = [member_row(f"A{i}", "Айгерим", last_name="Нурланова") for i in range(10)]
    data = csv_bytes(rows) + "A99,,Болат,Сериков\n".encode("cp1251")
    outcome = _write_refused(data, "members.csv")
    assert outcome.file_error.startswith("The file is in UTF-8 except for row 12")
    # A whole Windows-1251 file is still read as one.
    assert run_import("members", csv_bytes(rows, encoding="cp1251"), "m.csv", dry_run=True).ok


REFUSED = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Excel 97–2003 workbook (.xls)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "This is a PDF"),
    (b"<html><body><table><tr><td>1</td></tr></table></body></html>", "web page"),
    (b"\x00\x01\x02\x03\x04binary\x00\xff" * 50, "neither a text table"),
    (b"first_name\nAnn\x07\n", "neither a text table"),
]


@pytest.mark.parametrize(("data", "message"), REFUSED, ids=[m for _, m in REFUSED])
def test_other_kinds_of_file_are_refused_with_what_to_save_them_as(data, message):
    outcome = _write_refused(data, "members.csv")
    assert message in outcome.file_error
    assert "save it" in outcome.file_error.lower() or "export" in outcome.file_error


def test_an_opendocument_spreadsheet_is_refused_with_what_to_save_it_as():
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("content.xml", "<office:document-content/>")
    outcome = _write_refused(out.getvalue(), "members.xlsx")
    assert "OpenDocument spreadsheet (.ods)" in outcome.file_error


def test_an_xlsx_named_csv_is_read_as_a_workbook():
    outcome = _check(xlsx([HEADER, ["A1", "Аня", "Ли", "", ""]]), "members.csv")
    assert outcome.ok and outcome.source["format"] == "xlsx"


# --- limits of the database and the tree, by row --------------------------------------


def _chain_file(length: int) -> bytes:
    rows = [member_row("C0", "Root")]
    rows += [member_row(f"C{i}", f"M{i}", sponsor=f"C{i - 1}") for i in range(1, length)]
    return csv_bytes(list(reversed(rows)))


def test_a_chain_deeper_than_the_tree_holds_is_refused_by_row(tmp_path, capsys):
    assert MAX_DEPTH == 255
    data = _chain_file(300)
    outcome = run_import("members", data, "chain.csv", dry_run=True)
    too_deep = [e for e in outcome.errors if "holds at most 255 levels" in e.message]
    assert len(too_deep) == len(outcome.errors) == 300 - 255
    assert {e.column for e in too_deep} == {"sponsor"}
    # The same refusal, and nothing written, on a real import on either database.
    with pytest.raises(CommandError, match="45 error"):
        call_command("import_members", write(tmp_path, "chain.csv", data))
    assert not Member.objects.exists()
    assert run_import("members", _chain_file(255), "chain.csv", dry_run=False).written
    assert Member.objects.order_by("-depth").first().depth == 255


def test_moving_a_deep_downline_deeper_is_refused_by_row():
    members = chain(200)
    other = chain(100)
    # Moving the top of the 200-level chain under the bottom of the other one would put
    # its downline 300 levels deep.
    members[0].external_id = "TOP"
    members[0].save()
    other[-1].external_id = "BOTTOM"
    other[-1].save()
    outcome = _check(csv_bytes([member_row("TOP", "Top", sponsor="BOTTOM")]), "m.csv")
    assert _errors(outcome) == [
        (
            2,
            "sponsor",
            "This move would put the member's downline 300 levels deep; the referral tree "
            "holds at most 255.",
        )
    ]


LIMIT_HEADER = ["external_id", "first_name", "last_name", "middle_name", "address"]
LIMIT_HEADER += ["username", "email", "referral_code"]


@pytest.mark.parametrize(
    ("column", "value", "limit"),
    [
        ("first_name", "Я" * 151, 150),
        ("last_name", "Я" * 151, 150),
        ("middle_name", "Я" * 151, 150),
        ("address", "д" * 501, 500),
        ("external_id", "9" * 65, 64),
        ("username", "u" * 151, 150),
        ("email", "a" * 250 + "@x.kz", 254),
        ("referral_code", "c" * 41, 40),
    ],
)
def test_every_column_limit_is_a_row_error(column, value, limit):
    cells = {"external_id": "A1", "first_name": "Ann", column: value}
    data = csv_bytes([[cells.get(c, "") for c in LIMIT_HEADER]], header=LIMIT_HEADER)
    outcome = _write_refused(data, "m.csv")
    assert (2, column, f"Too long: {len(value)} characters, at most {limit}.") in _errors(outcome)


def test_a_login_the_user_model_would_refuse_is_a_row_error():
    data = csv_bytes([["Ann", "ann smith"]], header=["first_name", "username"])
    outcome = _write_refused(data, "m.csv")
    assert [(e.row, e.column) for e in outcome.errors] == [(2, "username")]


def test_the_column_limits_are_the_models():
    from bonuses.imports.members import text_limits

    assert text_limits()["address"] == Member._meta.get_field("address").max_length
    assert set(text_limits()) <= set(MEMBER_ALIASES)


def test_unknown_extra_columns_and_far_cells_are_ignored():
    data = xlsx([HEADER + ["Заметки"], ["A1", "Аня", "Ли", "", "", "что угодно"]])
    outcome = _check(data)
    assert outcome.ok and outcome.counts["new"] == 1
    with pytest.raises(ImportFileError, match="missing column"):
        read_table(xlsx([["Номер"], ["A1"]]), "m.xlsx", MEMBER_ALIASES, {"first_name"})
