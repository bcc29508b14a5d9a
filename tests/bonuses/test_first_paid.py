"""Member.first_paid, the referral funnel's "paid their first month": kept exact by every
path that marks a payment paid or unpaid, in open and closed months, and by bulk loads."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db.models import Min

from bonuses import services
from bonuses.models import Member, Payment
from bonuses.services.demo import seed_club
from bonuses.services.first_paid import first_paid_fill
from bonuses.services.payments import payment_set, payments_set_batch
from tests.bonuses.engine_helpers import APRIL, MAY, NOW
from tests.factories import enroll
from tests.imports.helpers import csv_bytes, write

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(NOW, tick=False)


def first_paid(member) -> date | None:
    return Member.objects.get(pk=member.pk).first_paid


def naive() -> dict[int, date | None]:
    """Each member's earliest paid month, recomputed from the payments."""
    firsts = dict(
        Payment.objects.filter(paid=True)
        .values("member")
        .annotate(f=Min("period"))
        .values_list("member", "f")
    )
    return {pk: firsts.get(pk) for pk in Member.objects.values_list("pk", flat=True)}


def test_paying_and_unpaying_moves_the_first_paid_month():
    member = enroll()
    assert first_paid(member) is None
    payment_set(member=member, period=MAY, paid=True)
    assert first_paid(member) == MAY
    payment_set(member=member, period=MARCH, paid=True)
    assert first_paid(member) == MARCH
    payment_set(member=member, period=APRIL, paid=True)
    payment_set(member=member, period=MARCH, paid=False)
    assert first_paid(member) == APRIL
    payment_set(member=member, period=APRIL, paid=False, amount=None)
    payment_set(member=member, period=MAY, paid=False)
    assert first_paid(member) is None
    # An amount change of a paid month leaves it where it is.
    payment_set(member=member, period=MAY, paid=True, amount=15000)
    payment_set(member=member, period=MAY, paid=True, amount=12000)
    assert first_paid(member) == MAY


def test_a_closed_months_payment_unpaid_through_corrections_moves_it_too():
    member = enroll(enroll())
    payment_set(member=member, period=APRIL, paid=True)
    payment_set(member=member, period=MAY, paid=True)
    services.month_close(period=APRIL)
    payment_set(member=member, period=APRIL, paid=False)  # a correction of closed April
    assert first_paid(member) == MAY


def test_batches_imports_and_seeded_clubs_keep_it(tmp_path, admin_user):
    a, b = enroll(external_id="A1"), enroll(external_id="B1")
    payments_set_batch(members=[a, b], period=MAY, paid=True)
    assert first_paid(a) == first_paid(b) == MAY
    path = write(
        tmp_path,
        "payments.csv",
        csv_bytes([["A1", "2026-04", "", "да"], ["B1", "2026-05", "", "нет"]],
                  ["member", "month", "amount", "paid"]),
    )  # fmt: skip
    call_command("import_payments", path)
    assert first_paid(a) == APRIL and first_paid(b) is None
    seed_club(members=300, months=3, seed=4)
    assert Member.objects.filter(first_paid__isnull=False).count() > 200
    assert dict(Member.objects.values_list("pk", "first_paid")) == naive()


def test_a_full_save_of_a_member_loaded_earlier_keeps_it():
    member = enroll()
    stale = Member.objects.get(pk=member.pk)
    payment_set(member=member, period=MAY, paid=True)
    stale.first_name = "Renamed"
    stale.save()
    member.refresh_from_db()
    assert member.first_name == "Renamed" and member.first_paid == MAY


def test_the_fill_and_the_repair_recompute_it_from_the_payments():
    members = [enroll() for _ in range(3)]
    for member, period in zip(members, (MARCH, APRIL, MAY), strict=True):
        payment_set(member=member, period=period, paid=True)
    Member.objects.update(first_paid=date(2020, 1, 1))  # drifted
    first_paid_fill()
    assert [first_paid(m) for m in members] == [MARCH, APRIL, MAY]
