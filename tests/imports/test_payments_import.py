"""Payments import: month forms, idempotence, closed months through corrections."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from bonuses import services
from bonuses.models import LedgerEntry, Payment
from bonuses.services.pricing import plan_price
from tests.bonuses.engine_helpers import APRIL, MAY, NOW
from tests.factories import enroll

from .helpers import csv_bytes, write

pytestmark = pytest.mark.django_db
HEADER = ["member", "month", "amount", "paid"]


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def _import(tmp_path, rows, *extra, header=HEADER, **kw):
    path = write(tmp_path, "payments.csv", csv_bytes(rows, header, **kw))
    call_command("import_payments", path, *extra)


def test_month_forms_amounts_and_paid_flags(tmp_path, django_user_model):
    a = enroll(external_id="A1")
    b = enroll(email="b@x.kz")
    c = enroll(phone="+77051112233")
    d = enroll(user=django_user_model.objects.create_user("dana"))
    _import(
        tmp_path,
        [
            ["A1", "2026-05", "15 000,50", "да"],
            ["B@x.kz", "04.2026", "", "yes"],
            ["8 705 111 22 33", "Май 2026", "12000", "1"],
            ["dana", "апреля 2026 г.", "", "true"],
            ["A1", "2026-04", "", "нет"],
        ],
    )
    rows = set(Payment.objects.values_list("member_id", "period", "amount", "paid"))
    assert rows == {
        (a.pk, MAY, Decimal("15000.50"), True),
        (b.pk, APRIL, plan_price(APRIL), True),
        (c.pk, MAY, Decimal("12000.00"), True),
        (d.pk, APRIL, plan_price(APRIL), True),
    }


def test_russian_headers_semicolons_cp1251(tmp_path):
    a = enroll(external_id="A1")
    _import(
        tmp_path,
        [["A1", "март 2026", "15000", "да"]],
        header=["Участник", "Месяц", "Сумма", "Оплачено"],
        delimiter=";",
        encoding="cp1251",
    )
    assert Payment.objects.get(member=a).period == date(2026, 3, 1)


def test_reimporting_the_same_file_changes_nothing(tmp_path, capsys):
    enroll(external_id="A1")
    enroll(external_id="B2")
    rows = [["A1", "2026-05", "15000", "yes"], ["B2", "2026-05", "", "no"]]
    _import(tmp_path, rows)
    before = list(Payment.objects.values_list("id", "amount", "paid", "updated_at"))
    history = Payment.history.count()
    capsys.readouterr()
    _import(tmp_path, rows)
    assert "new 0, updated 0, unchanged 2" in capsys.readouterr().out
    assert list(Payment.objects.values_list("id", "amount", "paid", "updated_at")) == before
    assert Payment.history.count() == history == 1


def test_update_of_an_open_month_marks_unpaid_and_changes_amount(tmp_path):
    a = enroll(external_id="A1")
    services.payment_mark_paid(member=a, period=MAY, amount=Decimal("100"))
    _import(tmp_path, [["A1", "2026-05", "", "no"]])
    payment = Payment.objects.get(member=a)
    assert (payment.paid, payment.amount, payment.paid_on) == (False, Decimal("100.00"), None)
    _import(tmp_path, [["A1", "2026-05", "200", "yes"]])
    payment.refresh_from_db()
    assert (payment.paid, payment.amount) == (True, Decimal("200.00"))
    assert payment.paid_on is not None


def test_closed_month_rows_say_which_corrections_they_post_and_wait_for_confirmation(
    tmp_path, capsys
):
    sponsor = enroll(external_id="S", last_name="Сейткали", first_name="Дана")
    member = enroll(sponsor, external_id="M", last_name="Ким", first_name="Анна")
    services.payment_mark_paid(member=sponsor, period=APRIL)
    services.month_close(period=APRIL)
    rows = [["M", "2026-04", "", "yes"], ["S", "2026-05", "", "yes"]]  # May is open
    with pytest.raises(CommandError):
        _import(tmp_path, rows)
    out = capsys.readouterr().err  # warnings go to stderr
    assert "April 2026 is closed" in out
    assert "Сейткали Дана 1\xa0500\xa0₸ (level 1)" in out and "Ким Анна 750\xa0₸" in out
    assert not Payment.objects.filter(member=member).exists()  # nothing written yet
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CORRECTION).exists()
    _import(tmp_path, rows, "--accept-warnings")
    corrections = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.CORRECTION)
    assert set(corrections.values_list("member_id", "amount")) == {
        (sponsor.pk, Decimal("1500.00")),
        (member.pk, Decimal("750.00")),
    }
    assert Payment.objects.get(member=member, period=APRIL).paid


BAD = [
    (["nobody", "2026-05", "", "yes"], "member", "Unknown member “nobody”"),
    (["A1", "May", "", "yes"], "month", "“May” is not a month"),
    (["A1", "2026-13", "", "yes"], "month", "is not a month"),
    (["A1", "2026-05", "-5", "yes"], "amount", "cannot be negative"),
    (["A1", "2026-05", "12abc", "yes"], "amount", "“12abc” is not an amount"),
    (["A1", "2026-05", "", "maybe"], "paid", "“maybe” is not yes or no"),
    (["A1", "2026-04", "", "yes"], "month", "Row 2 already has this member's payment"),
    (["", "2026-05", "", "yes"], "member", "The cell is empty"),
]


@pytest.mark.parametrize(("row", "column", "text"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_rows_write_nothing(tmp_path, capsys, row, column, text):
    enroll(external_id="A1")
    with pytest.raises(CommandError, match="nothing was written"):
        _import(tmp_path, [["A1", "2026-04", "", "yes"], row])
    err = capsys.readouterr().err
    assert f"row 3, column {column}: " in err
    assert text in err
    assert not Payment.objects.exists()
