"""Corrections: a payment of a closed month changed, so post the difference, dated now.

Nothing of the closed month is rewritten. The change of one payment moves the payer's
referred bonus and the share of each upline earner within the plan's levels (on the tree
as it stands now); with the earner-active option it also moves what the payer earns
from their own downline when their own paid state flips. Each share is rounded per
payment, as in the close, so a correction is exactly the difference the close would
have seen.

`correction_shares` is the rule; `post_payment_corrections` writes what it gives, and
bonuses.selectors.corrections shows staff the same lines before they save.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bonuses.models import LedgerEntry, Member, Payment
from core.money import money
from core.periods import format_month

from .first_paid import first_paid_refresh
from .plans import PlanTerms, plan_terms


def payer_downline_earnings(payer: Member, period: date, terms: PlanTerms) -> Decimal:
    """What `payer` earns from their downline in `period` (one query)."""
    from bonuses.selectors.common import downline_level_counts, level_cents

    cents = sum(level_cents(terms, downline_level_counts(payer, period, terms.levels)))
    return money(Decimal(cents) / 100)


def ancestor_levels(payer_path: str, payer_depth: int, levels: int) -> dict[str, int]:
    """{path of the ancestor at level k above the payer: k} for k within the plan."""
    steps = Member.steplen
    return {
        payer_path[: steps * (payer_depth - k)]: k
        for k in range(1, min(levels, payer_depth - 1) + 1)
    }


def correction_shares(
    *,
    terms: PlanTerms,
    payer_id: int,
    payer_depth: int,
    old: Decimal | None,
    new: Decimal | None,
    earners: list[tuple[int, int]],
    payer_downline: Callable[[], Decimal],
) -> list[tuple[int, Decimal, dict]]:
    """(member id, amount in tenge, breakdown) of every correction one payment change
    posts. `old` / `new`: the paid amount before and after (None: not paid). `earners`:
    (member id, level) of the upline members who earn from the payer (with the
    earner-active option, only those active in the period). `payer_downline`: called
    only when the payer's own activity flips under that option. Zero amounts are left
    out. The rule of DESIGN.md "Closed periods are final"."""
    if old == new:
        return []

    def delta(rate: Decimal) -> Decimal:
        after = terms.share(rate, new) if new is not None else Decimal("0")
        before = terms.share(rate, old) if old is not None else Decimal("0")
        return money(after - before)

    shares = []
    if payer_depth > 1:
        shares.append((payer_id, delta(terms.referred_rate), {"part": "referred"}))
    for member_id, level in sorted(earners, key=lambda e: e[1]):
        shares.append((member_id, delta(terms.rates[level - 1]), {"part": "level", "level": level}))
    if terms.earner_must_be_active and (old is None) != (new is None):
        # The payer's own activity flipped: their earnings from their downline follow it.
        downline = payer_downline()
        shares.append(
            (payer_id, downline if new is not None else -downline, {"part": "own_activity"})
        )
    return [(member_id, amount, part) for member_id, amount, part in shares if amount]


def _describe(period: date, old: Decimal | None, new: Decimal | None) -> tuple[str, dict]:
    """The correction's reason as LedgerEntry.Reason code and parameters."""
    month = format_month(period)
    if old is None:
        return LedgerEntry.Reason.LATE_PAYMENT, {"month": month}
    if new is None:
        return LedgerEntry.Reason.PAYMENT_WITHDRAWN, {"month": month}
    return LedgerEntry.Reason.PAYMENT_CHANGED, {
        "month": month,
        "old": f"{old:.2f}",
        "new": f"{new:.2f}",
    }


def post_payment_corrections(
    *, payment: Payment, was_paid: bool, was_amount: Decimal | None, by=None
) -> list[LedgerEntry]:
    """Correction entries for a change of `payment` in a closed period (the caller holds
    the period's correction lock and the payment's row lock)."""
    old = money(was_amount) if was_paid and was_amount is not None else None
    new = money(payment.amount) if payment.paid else None
    if (old is None) != (new is None):
        first_paid_refresh(member_ids=[payment.member_id])  # the referral funnel's
    if old == new:
        return []
    terms = plan_terms(payment.period)
    payer = Member.objects.get(pk=payment.member_id)
    paths = ancestor_levels(payer.path, payer.depth, terms.levels)
    ancestors = list(Member.objects.filter(path__in=paths).values_list("pk", "path"))
    if terms.earner_must_be_active:
        active = set(
            Payment.objects.filter(
                member_id__in=[pk for pk, _ in ancestors], period=payment.period, paid=True
            ).values_list("member_id", flat=True)
        )
        ancestors = [(pk, path) for pk, path in ancestors if pk in active]
    shares = correction_shares(
        terms=terms,
        payer_id=payer.pk,
        payer_depth=payer.depth,
        old=old,
        new=new,
        earners=[(pk, paths[path]) for pk, path in ancestors],
        payer_downline=lambda: payer_downline_earnings(payer, payment.period, terms),
    )
    reason_code, reason_params = _describe(payment.period, old, new)
    entries = [
        LedgerEntry(
            member_id=member_id,
            kind=LedgerEntry.Kind.CORRECTION,
            period=payment.period,
            amount=amount,
            payment=payment,
            reason_code=reason_code,
            reason_params=reason_params,
            created_by=by,
            breakdown={
                **part,
                "payer": payer.pk,
                "before": None if old is None else f"{old:.2f}",
                "after": None if new is None else f"{new:.2f}",
            },
        )
        for member_id, amount, part in shares
    ]
    for entry in entries:
        entry.full_clean(exclude=["member", "payment", "created_by"])
    return LedgerEntry.objects.bulk_create(entries)
