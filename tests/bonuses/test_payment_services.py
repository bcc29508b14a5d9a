from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bonuses import services
from bonuses.models import Payment
from tests.factories import enroll

pytestmark = pytest.mark.django_db
NOV = date(2026, 11, 1)


def test_mark_paid_defaults_to_the_plan_price_and_is_idempotent():
    member = enroll()
    first = services.payment_mark_paid(member=member, period=date(2026, 11, 17))
    again = services.payment_mark_paid(member=member, period=NOV)
    assert first.pk == again.pk
    assert (again.period, again.amount, again.paid) == (NOV, Decimal("15000.00"), True)
    assert Payment.objects.count() == 1
    assert again.history.count() == 1


def test_mark_paid_with_another_amount_then_unpaid_keeps_the_row():
    member = enroll()
    services.payment_mark_paid(member=member, period=NOV, amount="12000")
    payment = services.payment_mark_unpaid(member=member, period=NOV)
    assert (payment.paid, payment.amount) == (False, Decimal("12000.00"))
    assert services.payment_mark_unpaid(member=enroll(), period=NOV) is None
    repaid = services.payment_mark_paid(member=member, period=NOV)
    assert (repaid.paid, repaid.amount) == (True, Decimal("12000.00"))


def test_an_unpaid_month_has_no_paid_date_and_its_history_keeps_the_old_one():
    member = enroll()
    paid = services.payment_mark_paid(member=member, period=NOV)
    assert paid.paid_on is not None
    unpaid = services.payment_mark_unpaid(member=member, period=NOV)
    unpaid.refresh_from_db()
    assert unpaid.paid_on is None
    assert unpaid.history.order_by("history_id")[0].paid_on == paid.paid_on
    repaid = services.payment_mark_paid(member=member, period=NOV)
    repaid.refresh_from_db()
    assert repaid.paid_on is not None and repaid.paid_on >= paid.paid_on


def test_negative_amount_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.payment_mark_paid(member=enroll(), period=NOV, amount="-1")
    assert "amount" in exc.value.message_dict


def test_batch_marks_many_and_counts_only_changes():
    members = [enroll() for _ in range(3)]
    services.payment_mark_paid(member=members[0], period=NOV)
    assert services.payments_set_batch(members=members, period=NOV, paid=True) == 2
    assert services.payments_set_batch(members=members, period=NOV, paid=True) == 0
    assert services.payments_set_batch(members=members, period=NOV, paid=False) == 3
    assert not Payment.objects.filter(paid=True).exists()


def test_database_refuses_a_second_payment_for_the_same_month():
    member = enroll()
    Payment.objects.create(member=member, period=NOV, amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(member=member, period=NOV, amount=2)


@pytest.mark.parametrize(
    "fields", [{"period": date(2026, 11, 2)}, {"amount": Decimal("-0.01")}], ids=str
)
def test_database_checks_period_and_amount(fields):
    values = {"member": enroll(), "period": NOV, "amount": Decimal("1"), **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(**values)
