"""A member's statement for a month: followers, active followers and earnings per level.

The one entry point for every reader (`member_statement`): a closed period is read as
its close stored it, with the corrections posted since (selectors.closed); an open
period is computed live on the tree as it stands, in a fixed number of queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bonuses.models import Member, Payment
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core.money import ZERO
from core.periods import current_period, parse_month, period_of

from .closed import (
    ClosedMonth,
    CorrectionLine,
    closed_member_month,
    closed_month,
    corrections_total,
    period_corrections,
)
from .common import (
    cents_to_money,
    maintained_level_counts,
    member_earnings_cents,
)


@dataclass(frozen=True)
class LevelLine:
    level: int
    followers: int
    active: int
    earned: Decimal


@dataclass(frozen=True)
class Statement:
    """A member's month. For a closed period (`closed`) the figures are those its close
    stored and `corrections` the correction entries posted for it since (shown apart:
    `month_total` stays what the close credited, `ledger_total` adds the corrections and
    equals the ledger's sum for the period). For an open period: live, no corrections."""

    member: Member
    period: date
    sponsor: Member | None
    active: bool
    payment: Payment | None
    levels: list[LevelLine]
    referred_bonus: Decimal
    month_total: Decimal
    followers: int
    active_followers: int
    # (level, amount in cents or None when unpaid, count): what the figures came from,
    # kept so the member page need not aggregate this month's downline a second time.
    rows: tuple = field(default=(), repr=False, compare=False)
    closed: bool = False
    corrections: tuple[CorrectionLine, ...] = ()

    @property
    def corrections_total(self) -> Decimal:
        return corrections_total(list(self.corrections))

    @property
    def ledger_total(self) -> Decimal:
        return self.month_total + self.corrections_total


def _sponsor_of(member: Member) -> Member | None:
    """The member's sponsor: the one loaded with them (select_related) or one query."""
    if not member.sponsor_id:
        return None
    if Member.sponsor.is_cached(member):
        return member.sponsor
    return Member.objects.filter(pk=member.sponsor_id).first()


_UNREAD = object()


def member_statement(
    *,
    member: Member,
    period: date | None = None,
    versions: list[PlanTerms] | None = None,
    payment: Payment | None = _UNREAD,
) -> Statement:
    """The member's statement for `period` (a first-of-month date; default: this month).

    A closed period returns what its close stored (ClosedFigures) with the corrections
    posted for it since; an open period is computed on the tree as it stands
    (DESIGN.md, "A closed month has one answer"); an open one from the maintained
    figures (docs/statements.md). A fixed number of queries, whatever the size of the
    downline. `versions`: all_plan_terms(), `payment`: the member's payment of `period`
    (None: they have none), when the caller has read them."""
    period = period_of(period) if period else current_period()
    versions = versions or all_plan_terms()
    terms = terms_in_force(versions, period)
    sponsor = _sponsor_of(member)
    if payment is _UNREAD:
        payment = Payment.objects.filter(member=member, period=period).first()
    close = closed_month(period) if period < current_period() else None
    if close is not None:
        stored = closed_member_month(member=member, close=close, versions=versions)
        return _closed_statement(member, sponsor, payment, stored)
    active = bool(payment and payment.paid)
    own_cents = int(payment.amount * 100) if active else None
    # An open period: the maintained figures (bonuses.models.downline), a few index
    # lookups on the member's own rows whatever the size of the downline.
    rows = maintained_level_counts(member, period, terms.levels)
    earned, referred = member_earnings_cents(
        terms, has_sponsor=member.depth > 1, own_cents=own_cents, rows=rows
    )
    followers = defaultdict(int)
    actives = defaultdict(int)
    for level, cents, count in rows:
        followers[level] += count
        if cents is not None:
            actives[level] += count
    lines = [
        LevelLine(
            level=k,
            followers=followers[k],
            active=actives[k],
            earned=cents_to_money(earned[k - 1]),
        )
        for k in range(1, terms.levels + 1)
    ]
    referred_bonus = cents_to_money(referred)
    return Statement(
        member=member,
        period=period,
        sponsor=sponsor,
        active=active,
        payment=payment,
        levels=lines,
        referred_bonus=referred_bonus,
        month_total=sum((line.earned for line in lines), ZERO) + referred_bonus,
        followers=sum(line.followers for line in lines),
        active_followers=sum(line.active for line in lines),
        rows=tuple(rows),
    )


def _closed_statement(member, sponsor, payment, stored: ClosedMonth) -> Statement:
    lines = [
        LevelLine(level=k, followers=f, active=a, earned=cents_to_money(c))
        for k, (f, a, c) in enumerate(stored.levels, start=1)
    ]
    referred_bonus = cents_to_money(stored.referred)
    return Statement(
        member=member,
        period=stored.period,
        sponsor=sponsor,
        active=stored.active,
        payment=payment,
        levels=lines,
        referred_bonus=referred_bonus,
        month_total=cents_to_money(stored.total),
        followers=sum(line.followers for line in lines),
        active_followers=sum(line.active for line in lines),
        closed=True,
        corrections=tuple(period_corrections(member_id=member.pk, period=stored.period)),
    )


def member_find(text: str) -> Member | None:
    """The member a person means by a username, email, phone, club number or referral
    code (the ways staff and commands name members); None when nobody matches."""
    from django.db.models import Q
    from phonenumber_field.phonenumber import PhoneNumber

    text = (text or "").strip()
    if not text:
        return None
    match = Q(user__username=text) | Q(email__iexact=text) | Q(external_id=text)
    match |= Q(referral_code=text)
    try:
        phone = PhoneNumber.from_string(text)
        if phone.is_valid():
            match |= Q(phone=phone.as_e164)
    except Exception:  # noqa: BLE001 - not a phone number, the other keys still apply
        pass
    found = list(Member.objects.filter(match)[:2])
    return found[0] if len(found) == 1 else None


def parse_period(text: str | None) -> date | None:
    return parse_month(text) if text else None
