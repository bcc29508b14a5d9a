"""Corrections: a payment of a closed month changed, so post the difference, dated now.

Nothing of the closed month is rewritten. The change of one payment moves the payer's
referred bonus and the share of each upline earner within the plan's levels (on the tree
as it stands now); with the earner-active option it also moves what the payer earns
from their own downline when their own paid state flips. Each share is rounded per
payment, as in the close, so a correction is exactly the difference the close would
have seen.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from bonuses.models import LedgerEntry, Member, Payment
from core.money import money
from core.periods import format_month

from .plans import PlanTerms, plan_terms


def _payer_downline_cents(payer: Member, period: date, terms: PlanTerms) -> int:
    from bonuses.selectors.statements import downline_level_counts, level_cents

    return sum(level_cents(terms, downline_level_counts(payer, period, terms.levels)))


def _describe(payment: Payment, old: Decimal | None, new: Decimal | None) -> str:
    month = format_month(payment.period)
    if old is None:
        return _("Late payment for %(month)s") % {"month": month}
    if new is None:
        return _("Payment for %(month)s withdrawn (refund)") % {"month": month}
    return _("Payment amount for %(month)s changed from %(old)s to %(new)s") % {
        "month": month,
        "old": old,
        "new": new,
    }


def post_payment_corrections(
    *, payment: Payment, was_paid: bool, was_amount: Decimal | None, by=None
) -> list[LedgerEntry]:
    """Correction entries for a change of `payment` in a closed period (the caller holds
    the period's correction lock and the payment's row lock)."""
    old = money(was_amount) if was_paid and was_amount is not None else None
    new = money(payment.amount) if payment.paid else None
    if old == new:
        return []
    terms = plan_terms(payment.period)
    payer = Member.objects.get(pk=payment.member_id)
    reason = _describe(payment, old, new)

    def delta(rate: Decimal) -> Decimal:
        after = terms.share(rate, new) if new is not None else Decimal("0")
        before = terms.share(rate, old) if old is not None else Decimal("0")
        return money(after - before)

    entries: list[LedgerEntry] = []

    def add(member_id: int, amount: Decimal, breakdown: dict) -> None:
        if amount:
            entries.append(
                LedgerEntry(
                    member_id=member_id,
                    kind=LedgerEntry.Kind.CORRECTION,
                    period=payment.period,
                    amount=amount,
                    payment=payment,
                    reason=reason,
                    created_by=by,
                    breakdown={
                        **breakdown,
                        "payer": payer.pk,
                        "before": None if old is None else f"{old:.2f}",
                        "after": None if new is None else f"{new:.2f}",
                    },
                )
            )

    if payer.depth > 1:
        add(payer.pk, delta(terms.referred_rate), {"part": "referred"})

    steps = Member.steplen
    ancestor_paths = {
        payer.path[: steps * (payer.depth - k)]: k
        for k in range(1, min(terms.levels, payer.depth - 1) + 1)
    }
    ancestors = list(Member.objects.filter(path__in=ancestor_paths).values_list("pk", "path"))
    if terms.earner_must_be_active:
        active = set(
            Payment.objects.filter(
                member_id__in=[pk for pk, _ in ancestors], period=payment.period, paid=True
            ).values_list("member_id", flat=True)
        )
        ancestors = [(pk, path) for pk, path in ancestors if pk in active]
    for pk, path in sorted(ancestors, key=lambda a: ancestor_paths[a[1]]):
        level = ancestor_paths[path]
        add(pk, delta(terms.rates[level - 1]), {"part": "level", "level": level})

    if terms.earner_must_be_active and (old is None) != (new is None):
        # The payer's own activity flipped: their earnings from their downline follow it.
        downline = money(Decimal(_payer_downline_cents(payer, payment.period, terms)) / 100)
        add(payer.pk, downline if new is not None else -downline, {"part": "own_activity"})

    for entry in entries:
        entry.full_clean(exclude=["member", "payment", "created_by"])
    return LedgerEntry.objects.bulk_create(entries)
