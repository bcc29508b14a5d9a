"""Debits and manual movements of a member's balance: package claims, payouts and
adjustments. A debit never takes the balance below zero; a balance made negative by a
correction refuses debits until it is positive again."""

import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bonuses.models import LedgerEntry, Member, Package
from core.bulk import insert_rows
from core.money import format_money, money

from .plans import plan_for


def _lock_member(member: Member) -> None:
    """Lock the member's row for the rest of the transaction: debits of one member run
    one at a time, so two cannot both pass the balance check, and the member cannot be
    deleted under an entry being written (the ledger's guard checks that the member
    exists, member_delete that they have no entries: the lock orders the two).
    Raises ValidationError when the member is gone."""
    if not Member.objects.select_for_update().filter(pk=member.pk).values_list("pk").first():
        raise ValidationError(_("This member no longer exists."))


def _available(member: Member) -> Decimal:
    from bonuses.selectors.balances import ledger_balance

    return ledger_balance(member.pk)


def _check_funds(member: Member, amount: Decimal, field: str) -> None:
    available = _available(member)
    if available < amount:
        raise ValidationError(
            {
                field: _(
                    "The balance is short: %(available)s available (closed months), "
                    "%(amount)s needed."
                )
                % {"available": format_money(available), "amount": format_money(amount)}
            }
        )


def _entry(**fields) -> LedgerEntry:
    entry = LedgerEntry(**fields)
    entry.full_clean(exclude=["member", "payment", "created_by"])
    entry.save()
    return entry


def _clean_positive(amount, field: str) -> Decimal:
    try:
        amount = money(amount)
    except (TypeError, ArithmeticError, ValueError) as exc:
        raise ValidationError({field: _("Enter an amount.")}) from exc
    if amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    return amount


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: it is kept in the ledger.")})
    return reason


@transaction.atomic
def ledger_payout(*, member: Member, amount, reason: str, by) -> LedgerEntry:
    """Pay out (or otherwise debit) `amount` from the member's balance, with a reason."""
    amount = _clean_positive(amount, "amount")
    reason = _clean_reason(reason)
    _lock_member(member)
    _check_funds(member, amount, "amount")
    return _entry(
        member=member,
        kind=LedgerEntry.Kind.PAYOUT,
        amount=-amount,
        reason=reason,
        created_by=by,
    )


@transaction.atomic
def ledger_adjust(*, member: Member, amount, reason: str, by) -> LedgerEntry:
    """A manual credit (positive amount) or debit (negative), with a reason and the staff
    member who made it. A debit is refused when the balance is short."""
    try:
        amount = money(amount)
    except (TypeError, ArithmeticError, ValueError) as exc:
        raise ValidationError({"amount": _("Enter an amount.")}) from exc
    if not amount:
        raise ValidationError({"amount": _("The amount cannot be zero.")})
    reason = _clean_reason(reason)
    _lock_member(member)
    if amount < 0:
        _check_funds(member, -amount, "amount")
    return _entry(
        member=member,
        kind=LedgerEntry.Kind.ADJUSTMENT,
        amount=amount,
        reason=reason,
        created_by=by,
    )


@transaction.atomic
def package_claim(*, member: Member, package: Package | str, by, reason: str = "") -> LedgerEntry:
    """Record a claim of `package` (a Package of the current plan, or its name): debits
    its threshold. Its bonus is credited back when the plan says so; otherwise it is part
    of what the member receives and is kept in the claim's breakdown."""
    from core.periods import current_period

    plan = plan_for(current_period())
    if isinstance(package, str):
        found = plan.packages.filter(name=package).first()
        if found is None:
            raise ValidationError({"package": _("No package of that name in the current plan.")})
        package = found
    elif package.plan_id != plan.pk:
        raise ValidationError({"package": _("That package is not in the plan in force.")})
    _lock_member(member)
    _check_funds(member, package.threshold, "package")
    note = reason.strip()
    breakdown = {
        "package": package.name,
        "threshold": f"{package.threshold:.2f}",
        "bonus": f"{package.bonus:.2f}",
        "plan": plan.pk,
    }
    claim = _entry(
        member=member,
        kind=LedgerEntry.Kind.CLAIM,
        amount=-package.threshold,
        breakdown=breakdown,
        reason=note,
        reason_code="" if note else LedgerEntry.Reason.PACKAGE_CLAIMED,
        reason_params={} if note else {"package": package.name},
        created_by=by,
    )
    if plan.credit_package_bonus and package.bonus:
        _entry(
            member=member,
            kind=LedgerEntry.Kind.PACKAGE_BONUS,
            amount=package.bonus,
            breakdown=breakdown,
            reason_code=LedgerEntry.Reason.PACKAGE_BONUS,
            reason_params={"package": package.name},
            created_by=by,
        )
    return claim


OPENING_COLUMNS = [
    "member_id", "kind", "amount", "breakdown", "reason", "reason_code", "reason_params",
    "created_at", "created_by_id",
]  # fmt: skip


@transaction.atomic
def ledger_open_balances(*, amounts: dict[int, Decimal], by, source: str = "") -> int:
    """Carry over what members earned in the programme the club used before BonusDesk:
    one "opening balance" credit per member (member id -> amount in tenge, more than
    zero), dated now, with `source` (the import's file name) in the reason. DESIGN.md,
    "switch-over".

    Once per member: the database refuses a second opening entry
    (ledger_one_opening_balance), so a re-import can never credit twice; the members
    import checks first and reports it by row. Written in bulk (COPY on PostgreSQL): a
    switch-over credits a whole club at once. Returns how many entries were written;
    raises ValidationError for an amount that is not positive."""
    rows = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # The reason is a code and the file's name, worded when read (LedgerEntry.reason_text).
    code = LedgerEntry.Reason.OPENING_BALANCE.value
    params = json.dumps({"source": source[:200]}, ensure_ascii=False)
    for member_id, amount in amounts.items():
        amount = _clean_positive(amount, "opening_balance")
        rows.append((member_id, LedgerEntry.Kind.OPENING, str(amount), "{}", "", code, params, now))
    by_id = by.pk if by else None
    return insert_rows(LedgerEntry, OPENING_COLUMNS, (row + (by_id,) for row in rows))
