"""System-written ledger reasons are a code and parameters, worded in the reader's language;
the migration turns the texts written before into codes."""

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import translation

from bonuses import services
from bonuses.models import LedgerEntry, Package
from tests.factories import chain, enroll

pytestmark = pytest.mark.django_db

MAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to("2026-06-15 12:00:00+06:00")


def texts(entry) -> tuple[str, str]:
    with translation.override("en"):
        english = entry.reason_text
    with translation.override("ru"):
        russian = entry.reason_text
    return english, russian


def test_corrections_are_worded_in_the_readers_language():
    sponsor, payer = chain(2)
    services.payment_mark_paid(member=payer, period=MAY, amount="10000")
    services.month_close(period=MAY)
    services.payment_mark_paid(member=payer, period=MAY, amount="15000")
    entry = LedgerEntry.objects.filter(kind="correction", member=sponsor).get()
    assert entry.reason == "" and entry.reason_code == "payment_changed"
    assert entry.reason_params == {"month": "2026-05", "old": "10000.00", "new": "15000.00"}
    assert texts(entry) == (
        "Payment amount for May 2026 changed from 10\xa0000\xa0₸ to 15\xa0000\xa0₸",
        "Сумма оплаты за май 2026 изменена с 10\xa0000\xa0₸ на 15\xa0000\xa0₸",
    )
    services.payment_mark_unpaid(member=payer, period=MAY)
    withdrawn = LedgerEntry.objects.filter(kind="correction", member=sponsor).latest("id")
    assert texts(withdrawn)[1] == "Оплата за май 2026 отменена (возврат)"


def test_package_claim_without_words_gets_a_system_reason_and_keeps_staffs_words(admin_user):
    member = enroll()
    services.ledger_adjust(member=member, amount="400000", reason="opening", by=admin_user)
    classic = Package.objects.get(name="Classic", plan__effective_from__lte=date(2026, 6, 1))
    claim = services.package_claim(member=member, package=classic, by=admin_user)
    assert texts(claim) == ("Package Classic claimed", "Получен пакет Classic")
    own = services.package_claim(member=member, package=classic, by=admin_user, reason="Мой")
    assert own.reason_code == "" and texts(own) == ("Мой", "Мой")


def test_opening_balances_are_worded_in_the_readers_language(admin_user):
    member = enroll()
    services.ledger_open_balances(amounts={member.pk: "2500"}, by=admin_user, source="old.csv")
    entry = LedgerEntry.objects.get(kind="opening")
    assert entry.reason == "" and entry.reason_params == {"source": "old.csv"}
    assert texts(entry) == (
        "Opening balance carried over from old.csv",
        "Начальный баланс перенесён из old.csv",
    )


def test_migration_turns_old_texts_into_codes(admin_user):
    member = enroll()
    rows = [
        ("correction", "Поздняя оплата за 2026-05", {"before": None, "after": "15000.00"}),
        ("correction", "Payment for 2026-05 withdrawn (refund)", {"before": "15000.00"}),
        ("claim", "Получен пакет Silver", {"package": "Silver"}),
        ("claim", "for the kids' party", {"package": "Classic"}),
        ("package_bonus", "Bonus of package Gold", {"package": "Gold"}),
        ("opening", "Начальный баланс перенесён из old.csv", {}),
    ]
    for kind, reason, breakdown in rows:
        period = None if kind == "opening" else MAY
        LedgerEntry.objects.create(
            member=member, kind=kind, period=period, amount=1, reason=reason, breakdown=breakdown
        )
    migration = import_module("bonuses.migrations.0010_member_search_ledger_reasons")
    migration.reasons_to_codes(apps, None)
    converted = [
        (e.reason_code, e.reason_params, e.reason) for e in LedgerEntry.objects.order_by("id")
    ]
    assert converted == [
        ("late_payment", {"month": "2026-05"}, ""),
        ("payment_withdrawn", {"month": "2026-05"}, ""),
        ("package_claimed", {"package": "Silver"}, ""),
        ("", {}, "for the kids' party"),
        ("package_bonus", {"package": "Gold"}, ""),
        ("opening_balance", {"source": "old.csv"}, ""),
    ]
