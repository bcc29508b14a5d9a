"""The closed-period reader: a closed month as its close wrote it, plus the corrections
posted for it since (DESIGN.md, "A closed month has one answer").

Every reader of a closed period (the statement and its JSON, the exports, the admin's
member page and lookup, the member page's history, the dashboard) comes through here or
through `member_statement`, which calls here for closed periods. Only imports the shared
helpers (selectors.common) below it.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import connection

from bonuses.models import ClosedFigures, LedgerEntry, Member, MonthClose
from bonuses.models.figures import parse_levels
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core.money import ZERO

from .common import downline_level_counts


@dataclass(frozen=True)
class CorrectionLine:
    """A correction entry posted for a closed period after its close."""

    created_at: datetime
    amount: Decimal
    reason: str  # worded in the active language


@dataclass(frozen=True)
class ClosedMonth:
    """One member's figures of one closed period, as stored at close.

    levels: per level 1..n of the period's plan, (followers, active followers, earned
    cents). `stored` is False for a close made before figures were kept: then the amounts
    come from its ledger entries and the counts from the tree as it stands."""

    period: date
    active: bool
    levels: list[tuple[int, int, int]]
    referred: int  # cents
    stored: bool = True

    @property
    def total(self) -> int:
        return sum(cents for _f, _a, cents in self.levels) + self.referred


def closed_month(period: date) -> MonthClose | None:
    """The close of `period` (a first-of-month date), or None when it is open."""
    return MonthClose.objects.filter(period=period).only("period", "figures_stored").first()


def closed_member_month(
    *, member: Member, close: MonthClose, versions: list[PlanTerms] | None = None
) -> ClosedMonth:
    """`member`'s stored figures of the closed period `close`. Two queries (three for a
    close without stored figures), whatever the downline."""
    period = close.period
    terms = terms_in_force(versions or all_plan_terms(), period)
    if close.figures_stored:
        row = ClosedFigures.objects.filter(period=period, member=member).first()
        if row is None:  # no follower within the levels, not paid: nothing to show
            return ClosedMonth(period, False, [(0, 0, 0)] * terms.levels, 0)
        return ClosedMonth(period, row.active, row.levels(terms.levels), int(row.referred))
    return _legacy_member_month(member, period, terms)


def _legacy_member_month(member: Member, period: date, terms: PlanTerms) -> ClosedMonth:
    """A close from before figures were kept: amounts from its ledger entries (what the
    close credited), counts from the tree as it stands (all there is)."""
    cents = [0] * terms.levels
    referred = 0
    entries = LedgerEntry.objects.filter(
        member=member,
        period=period,
        kind__in=[LedgerEntry.Kind.ACCRUAL, LedgerEntry.Kind.REFERRED],
    ).values_list("kind", "amount", "breakdown")
    for kind, amount, breakdown in entries:
        if kind == LedgerEntry.Kind.REFERRED:
            referred += int(amount * 100)
            continue
        for k, value in enumerate((breakdown or {}).get("levels", [])[: terms.levels]):
            cents[k] += int(Decimal(value) * 100)
    followers, actives = [0] * terms.levels, [0] * terms.levels
    for level, amount, count in downline_level_counts(member, period, terms.levels):
        if 1 <= level <= terms.levels:
            followers[level - 1] += count
            actives[level - 1] += count if amount is not None else 0
    active = referred > 0 or member.payments.filter(period=period, paid=True).exists()
    levels = list(zip(followers, actives, cents, strict=True))
    return ClosedMonth(period, active, levels, referred, stored=False)


def period_corrections(*, member_id: int, period: date) -> list[CorrectionLine]:
    """The correction entries posted for `member_id`'s closed `period`, oldest first."""
    entries = LedgerEntry.objects.filter(
        member_id=member_id, period=period, kind=LedgerEntry.Kind.CORRECTION
    ).order_by("created_at", "id")
    return [CorrectionLine(e.created_at, e.amount, e.reason_text) for e in entries]


def closed_statements_rows(period: date, terms: PlanTerms) -> dict[int, ClosedMonth]:
    """Member id -> stored figures of every member with a row for the closed `period`
    (members without one: zeros, not active). One streamed query."""
    table = connection.ops.quote_name(ClosedFigures._meta.db_table)
    result = {}
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, active, followers, actives, earned, referred FROM {table} "
            f"WHERE period = %s",
            [period],
        )
        while rows := cursor.fetchmany(20_000):
            for member_id, active, followers, actives, earned, referred in rows:
                levels = parse_levels(followers, actives, earned, terms.levels)
                result[member_id] = ClosedMonth(period, bool(active), levels, int(referred))
    return result


def corrections_by_member(period: date) -> dict[int, int]:
    """Member id -> cents of the corrections posted for the closed `period`."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id, SUM(ROUND(amount * 100)) FROM {table} "
            f"WHERE period = %s AND kind = %s GROUP BY member_id",
            [period, LedgerEntry.Kind.CORRECTION],
        )
        return {m: int(c) for m, c in cursor.fetchall()}


def corrections_total(corrections: list[CorrectionLine]) -> Decimal:
    return sum((c.amount for c in corrections), ZERO)
