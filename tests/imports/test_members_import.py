"""Members import: matching, sponsors in any order, and every kind of bad row."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command

from bonuses.imports.members import plan_members, read_members
from bonuses.models import Member
from tests.factories import enroll

from .helpers import (
    assert_tree_valid,
    csv_bytes,
    member_row,
    tree_shape,
    write,
)

pytestmark = pytest.mark.django_db


def _import(tmp_path, data, name="members.csv", *extra):
    call_command("import_members", write(tmp_path, name, data), *extra)


def _errors(data, name="members.csv"):
    plan = plan_members(read_members(data, name))
    return [(e.row, e.column, e.message) for e in plan.errors]


def test_sponsors_after_the_members_they_sponsor(tmp_path):
    data = csv_bytes(
        [
            member_row("C3", "Carol", sponsor="B2", email="c@x.kz"),
            member_row("D4", "Dan", sponsor="c@x.kz"),
            member_row("B2", "Bob", sponsor="A1"),
            member_row("C3x", "Cora", sponsor="+77011111111"),
            member_row("A1", "Ann", email="a@x.kz", phone="8 701 111 11 11"),
        ]
    )
    _import(tmp_path, data)
    assert tree_shape() == {
        ("A1", None), ("B2", "A1"), ("C3", "B2"), ("D4", "C3"), ("C3x", "A1"),
    }  # fmt: skip
    assert_tree_valid()
    ann = Member.objects.get(external_id="A1")
    assert str(ann.phone) == "+77011111111"
    assert ann.history.count() == 1


def test_existing_member_matched_by_club_number_email_or_phone_is_updated(tmp_path):
    by_number = enroll(external_id="N1", first_name="Old")
    by_email = enroll(email="e@x.kz", first_name="Eve")
    by_phone = enroll(phone="+77052223344", first_name="Pat")
    sponsor = enroll(external_id="S1")
    data = csv_bytes(
        [
            member_row("N1", "New", sponsor="S1"),
            member_row("", "Eva", email="E@X.kz"),
            member_row("P9", "", phone="+7 (705) 222-33-44", address="Abay 1"),
        ]
    )
    # Eve -> Eva on a match by email is a warning: nothing is written until accepted.
    with pytest.raises(CommandError, match="1 warning"):
        _import(tmp_path, data)
    assert Member.objects.get(pk=by_email.pk).first_name == "Eve"
    _import(tmp_path, data, "members.csv", "--accept-warnings")
    assert Member.objects.count() == 4
    by_number.refresh_from_db()
    by_email.refresh_from_db()
    by_phone.refresh_from_db()
    assert (by_number.first_name, by_number.sponsor_id) == ("New", sponsor.pk)
    assert by_email.first_name == "Eva"
    assert (by_phone.external_id, by_phone.first_name, by_phone.address) == (
        "P9",
        "Pat",
        "Abay 1",
    )
    assert_tree_valid()


def test_sponsor_named_by_login_in_the_database_and_new_login_created(tmp_path, django_user_model):
    user = django_user_model.objects.create_user("anna", password="x")
    anna = enroll(user=user, first_name="Anna")
    data = csv_bytes([member_row("K1", "Kim", sponsor="anna", username="kim")])
    _import(tmp_path, data)
    kim = Member.objects.get(external_id="K1")
    assert kim.sponsor_id == anna.pk
    assert kim.user.username == "kim"
    assert not kim.user.has_usable_password()


def test_reimporting_the_same_file_changes_nothing(tmp_path, capsys):
    data = csv_bytes([member_row("A1", "Ann"), member_row("B2", "Bob", sponsor="A1")])
    _import(tmp_path, data)
    capsys.readouterr()
    before = list(Member.objects.values_list("id", "path", "updated_at"))
    _import(tmp_path, data)
    assert "unchanged 2" in capsys.readouterr().out
    assert list(Member.objects.values_list("id", "path", "updated_at")) == before


def test_new_member_under_an_existing_one_and_moves_parents_first(tmp_path):
    # x -> q -> p today; the file moves q under a new member n, and x under p.
    x = enroll(external_id="X")
    q = enroll(x, external_id="Q")
    enroll(q, external_id="P")
    data = csv_bytes(
        [
            member_row("X", "X", sponsor="P"),
            member_row("Q", "Q", sponsor="N"),
            member_row("N", "N"),
        ]
    )
    _import(tmp_path, data)
    assert tree_shape() == {("N", None), ("Q", "N"), ("P", "Q"), ("X", "P")}
    assert_tree_valid()


def test_cp1251_semicolon_csv_with_russian_headers_dates_and_phones(tmp_path):
    header = [
        "Номер", "Фамилия", "Имя", "Отчество", "Телефон", "Дата рождения", "Адрес", "Пригласил",
    ]  # fmt: skip
    rows = [
        ["  101 ", "Абенова", "Айгерим", "Сериковна", "8 705 741 96 36",
         "05.03.1990", "Алматы, Абая 1", ""],
        ["102", "Иванов", "Иван", "", "87057419637", "1985-12-31", "", "101"],
        ["", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    data = csv_bytes(rows, header, delimiter=";", encoding="cp1251")
    _import(tmp_path, data)
    ivan = Member.objects.get(external_id="102")
    assert ivan.sponsor.first_name == "Айгерим"
    assert ivan.birth_date == date(1985, 12, 31)
    aigerim = ivan.sponsor
    assert (str(aigerim.phone), aigerim.birth_date, aigerim.external_id) == (
        "+77057419636",
        date(1990, 3, 5),
        "101",
    )


def test_utf8_bom_csv(tmp_path):
    data = b"\xef\xbb\xbf" + csv_bytes([member_row("A1", "Әлия")])
    _import(tmp_path, data)
    assert Member.objects.get(external_id="A1").first_name == "Әлия"


def test_xlsx_file(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Фамилия", "Имя", "Телефон", "Дата рождения", "Пригласил", "Номер"])
    sheet.append(["Ли", "Дана", "+7 701 555 12 12", date(1999, 1, 2), "7", 8])
    sheet.append(["Ким", "Нур", "87015551213", "02.01.1980", "", 7])
    path = tmp_path / "members.xlsx"
    book.save(path)
    call_command("import_members", str(path))
    dana = Member.objects.get(external_id="8")
    assert dana.sponsor.external_id == "7"
    assert dana.birth_date == date(1999, 1, 2)


BAD_ROWS = [
    (
        "unknown sponsor",
        [member_row("A1", "Ann", sponsor="nobody")],
        (2, "sponsor", "Unknown sponsor “nobody”"),
    ),
    (
        "self sponsor",
        [member_row("A1", "Ann", sponsor="A1")],
        (2, "sponsor", "cannot be their own sponsor"),
    ),
    (
        "cycle among rows",
        [
            member_row("A1", "Ann", sponsor="C3"),
            member_row("B2", "Bob", sponsor="A1"),
            member_row("C3", "Cid", sponsor="B2"),
        ],
        (2, "sponsor", "Sponsors form a cycle: row 2 → row 3 → row 4 → row 2."),
    ),
    (
        "same email twice",
        [member_row("A1", "Ann", email="a@x.kz"), member_row("B2", "Bob", email="A@x.kz")],
        (3, "email", "The same email “a@x.kz” is already in row 2."),
    ),
    (
        "same phone twice",
        [
            member_row("A1", "Ann", phone="87011234567"),
            member_row("B2", "Bob", phone="+7 701 123 45 67"),
        ],
        (3, "phone", "already in row 2"),
    ),
    ("invalid phone", [member_row("A1", "Ann", phone="12-34")], (2, "phone", "“12-34”")),
    ("invalid email", [member_row("A1", "Ann", email="ann@")], (2, "email", "“ann@”")),
    (
        "invalid date",
        [member_row("A1", "Ann", birth_date="31.02.1990")],
        (2, "birth_date", "“31.02.1990” is not a date"),
    ),
    ("no first name", [member_row("A1", "")], (2, "first_name", "needs a first name")),
]


@pytest.mark.parametrize(("case", "rows", "expected"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_bad_rows_write_nothing_and_name_row_and_column(tmp_path, capsys, case, rows, expected):
    good = member_row("G1", "Good")
    data = csv_bytes([good, *rows]).replace(b"\r\n", b"\n")
    # The good row shifts every bad row down by one.
    row, column, text = expected
    with pytest.raises(CommandError, match="nothing was written"):
        _import(tmp_path, data)
    err = capsys.readouterr().err
    assert f"row {row + 1}, column {column}: " in err
    assert text.replace(f"row {row}", "").split("row")[0].strip(" →.:") in err
    assert not Member.objects.exists()


def test_move_under_own_downline_is_refused(tmp_path, capsys):
    top = enroll(external_id="T")
    mid = enroll(top, external_id="M")
    enroll(mid, external_id="L")
    data = csv_bytes([member_row("T", "Top", sponsor="L")])
    assert _errors(data) == [
        (
            2,
            "sponsor",
            "“L” is in this member's own downline (level 2): "
            "a member cannot be moved under one of their followers.",
        )
    ]
    with pytest.raises(CommandError):
        _import(tmp_path, data)
    top.refresh_from_db()
    assert top.sponsor_id is None


def test_email_of_another_member_is_refused(tmp_path):
    enroll(email="taken@x.kz", external_id="E1")
    enroll(external_id="A1")
    errors = _errors(csv_bytes([member_row("A1", "Ann", email="taken@x.kz")]))
    assert errors[0][:2] == (2, "email")
    assert "already belongs to another member" in errors[0][2]


def test_dry_run_writes_nothing(tmp_path, capsys):
    _import(tmp_path, csv_bytes([member_row("A1", "Ann")]), "m.csv", "--dry-run")
    assert "would import members: new 1" in capsys.readouterr().out
    assert not Member.objects.exists()


def test_missing_required_column_is_a_file_error(tmp_path):
    with pytest.raises(CommandError, match="Row 1: missing column"):
        _import(tmp_path, csv_bytes([["x"]], ["external_id"]))
