"""Writes to payments: marking months paid or unpaid, one member or a batch.

A change to a payment of a closed month posts correction entries (corrections.py)
instead of touching the closed month. Every change holds its month's close lock shared,
so it is either in a concurrent close or after it (see period_locks.py).
"""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bonuses.models import Member, MonthClose, Payment
from core.money import money
from core.periods import period_of

from .corrections import post_payment_corrections
from .dashboard import dashboard_changed_on_commit, dashboard_stale_on_commit
from .figures import figures_payments_changed
from .locks import lock_tree_for_insert
from .period_locks import lock_period_corrections, lock_period_for_payments
from .pricing import plan_price


def _clean_amount(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    amount = money(amount)
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    return amount


def _set_state(payment: Payment, *, paid: bool, amount: Decimal | None, by, note: str) -> bool:
    """Apply the wanted state to a locked payment row; False when nothing changes."""
    changed = payment.paid != paid or (amount is not None and payment.amount != amount)
    if note and payment.note != note:
        payment.note = note
        changed = True
    if not changed:
        return False
    if paid != payment.paid:
        # An unpaid month was paid on no date: the admin's list would show the date it
        # was once paid beside "not paid" (the history keeps that date).
        payment.paid_on = timezone.now() if paid else None
    payment.paid = paid
    if amount is not None:
        payment.amount = amount
    payment.recorded_by = by
    if by is not None:
        payment._history_user = by
    payment.save()
    return True


@transaction.atomic
def payment_set(
    *,
    member: Member,
    period: date,
    paid: bool,
    amount=None,
    by=None,
    note: str = "",
) -> Payment | None:
    """Mark `member`'s payment for `period` paid or unpaid. Idempotent.

    Paid with no amount keeps an existing amount, or uses the plan price for a new
    payment. Unpaid keeps the row (its amount and history) with paid=False; a month never
    paid stays without a row. Returns the payment, or None when there is none.
    """
    period = period_of(period)
    closed = _lock_period(period)
    changes = []
    payment, changed = _payment_set(
        member=member,
        period=period,
        paid=paid,
        amount=amount,
        by=by,
        note=note,
        closed=closed,
        changes=changes,
    )
    figures_payments_changed(period=period, changes=changes)
    if changed:
        dashboard_stale_on_commit()  # active members, bonuses, a closed month's corrections
    return payment


def _lock_period(period: date) -> bool:
    """Take the month's locks; True when the month is closed (changes need corrections)."""
    lock_period_for_payments(period)
    # Corrections (closed month) and the maintained figures (open month) both read the
    # payer's ancestors: no move may run until we commit.
    lock_tree_for_insert()
    closed = MonthClose.objects.filter(period=period).exists()
    if closed:
        # Corrections read the month's other payments: keep them still.
        lock_period_corrections(period)
    return closed


def _cents(paid: bool, amount) -> int | None:
    return int(money(amount) * 100) if paid else None


def _payment_set(
    *, member, period, paid, amount, by, note, closed, changes
) -> tuple[Payment | None, bool]:
    """Apply one member's wanted state. For an open month, appends (member id, cents
    before, cents after) to `changes` for the maintained figures."""
    amount = _clean_amount(amount)
    payment = Payment.objects.select_for_update().filter(member=member, period=period).first()
    if payment is None:
        if not paid:
            return None, False
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    member=member,
                    period=period,
                    amount=amount if amount is not None else plan_price(period),
                    paid=True,
                    paid_on=timezone.now(),
                    recorded_by=by,
                    note=note,
                )
        except IntegrityError:
            # Another request created it between our read and our insert: update theirs.
            payment = Payment.objects.select_for_update().get(member=member, period=period)
        else:
            if closed:
                post_payment_corrections(payment=payment, was_paid=False, was_amount=None, by=by)
            else:
                changes.append((member.pk, None, _cents(True, payment.amount)))
            return payment, True
    was_paid, was_amount = payment.paid, payment.amount
    changed = _set_state(payment, paid=paid, amount=amount, by=by, note=note)
    if changed and closed:
        post_payment_corrections(payment=payment, was_paid=was_paid, was_amount=was_amount, by=by)
    elif changed:
        changes.append(
            (member.pk, _cents(was_paid, was_amount), _cents(payment.paid, payment.amount))
        )
    return payment, changed


def payment_mark_paid(*, member: Member, period: date, amount=None, by=None) -> Payment:
    return payment_set(member=member, period=period, paid=True, amount=amount, by=by)


def payment_mark_unpaid(*, member: Member, period: date, by=None) -> Payment | None:
    return payment_set(member=member, period=period, paid=False, by=by)


@transaction.atomic
def payments_set_batch(
    *, members: Iterable[Member], period: date, paid: bool, amount=None, by=None
) -> int:
    """Mark many members paid or unpaid for one period, all or none. Returns how many
    payments changed (already-right ones are left alone)."""
    period = period_of(period)
    closed = _lock_period(period)
    changes = []
    changed = sum(
        _payment_set(
            member=m,
            period=period,
            paid=paid,
            amount=amount,
            by=by,
            note="",
            closed=closed,
            changes=changes,
        )[1]
        # In id order: two batches sharing members lock their payment rows in one order.
        for m in sorted(members, key=lambda m: m.pk)
    )
    figures_payments_changed(period=period, changes=changes)
    if changed:
        dashboard_changed_on_commit()  # active members, bonuses
    return changed
