"""Club-wide figures for the admin dashboard, each set-based in SQL.

A page must not walk a million members, so the dashboard reads these from the shared
cache (`dashboard_figures`) and a django-q2 task refreshes them in the background.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bonuses.models import LedgerEntry, Member, MonthClose, Payment
from bonuses.services.dashboard import (
    CACHE_KEY,
    CHANGED_KEY,
    KEEP_SECONDS,
    REFRESH_LOCK_KEY,
    dashboard_queue_refresh,
)
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.money import ZERO
from core.periods import add_months, current_period, months_between

from .common import cents_to_money
from .funnel import ClubFunnel, club_funnel

CHART_MONTHS = 12
FRESH_SECONDS = 5 * 60  # older figures are shown, and a refresh is queued
INLINE_LIMIT = 20_000  # members: past this, computing inline costs a page ~1 s


@dataclass(frozen=True)
class MonthFigure:
    period: date
    active: int
    bonuses: Decimal
    new_members: int
    closed: bool


@dataclass
class ClubFigures:
    computed_at: datetime
    period: date
    members: int
    new_this_month: int
    active_this_month: int
    active_last_month: int
    accrued_this_month: Decimal
    accrued_is_estimate: bool  # a plan that needs active earners: shares of inactive ones too
    outstanding: Decimal
    months: list[MonthFigure] = field(default_factory=list)
    top_earners: list[tuple[int, str, Decimal]] | None = None  # (member id, name, amount)
    # A write since computed_at changed what these figures count; a refresh is queued.
    stale: bool = False
    funnel: ClubFunnel | None = None  # the referral funnel and top referrers (issue 17)

    def is_fresh(self) -> bool:
        return (timezone.now() - self.computed_at).total_seconds() < FRESH_SECONDS


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def live_bonuses_by_period(periods: list[date]) -> dict[date, tuple[Decimal, bool]]:
    """What the months in `periods` (not closed) have earned so far, club-wide, in one
    grouped query: every paid payment pays its share to each ancestor at distance
    1..levels and the referred bonus to its payer, so the club's total depends only on
    each payment's amount and its payer's depth. Shares are rounded per payment, exactly
    as the close does. Returns (amount, is_estimate) per period; an estimate when the
    plan only pays active earners (the close then skips inactive ancestors)."""
    if not periods:
        return {}
    versions = all_plan_terms()
    deepest = max(t.levels for t in versions)
    marks = ", ".join(["%s"] * len(periods))
    sql = (
        f"SELECT p.period, ROUND(p.amount * 100), "
        f"CASE WHEN m.depth - 1 < %s THEN m.depth - 1 ELSE %s END, COUNT(*) "
        f"FROM {_q(Payment)} p JOIN {_q(Member)} m ON m.id = p.member_id "
        f"WHERE p.paid = %s AND p.period IN ({marks}) GROUP BY 1, 2, 3"
    )
    cents: dict[date, int] = defaultdict(int)
    with connection.cursor() as cursor:
        cursor.execute(sql, [deepest, deepest, True, *periods])
        rows = cursor.fetchall()
    for period, amount, ancestors, count in rows:
        period = _as_date(period)
        terms = terms_in_force(versions, period)
        amount = int(amount)
        paid_levels = min(int(ancestors), terms.levels)
        per_payment = sum(terms.share_cents(k, amount) for k in range(1, paid_levels + 1))
        if ancestors:
            per_payment += terms.share_cents(0, amount)
        cents[period] += per_payment * count
    return {
        p: (cents_to_money(cents.get(p, 0)), terms_in_force(versions, p).earner_must_be_active)
        for p in periods
    }


def _corrections_by_period(since: date) -> dict[date, Decimal]:
    """Corrections posted for each period from `since` on (ledger_rare_kind_idx: few rows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT period, SUM(ROUND(amount * 100)) FROM {_q(LedgerEntry)} "
            f"WHERE kind = %s AND period >= %s GROUP BY period",
            [LedgerEntry.Kind.CORRECTION, since],
        )
        return {_as_date(p): cents_to_money(c) for p, c in cursor.fetchall()}


def _outstanding() -> Decimal:
    with connection.cursor() as cursor:
        # Summed in integer cents: SQLite would sum the decimal column as floats.
        cursor.execute(f"SELECT SUM(ROUND(amount * 100)) FROM {_q(LedgerEntry)}")
        (cents,) = cursor.fetchone()
    return cents_to_money(cents or 0)


def exact_current_month() -> tuple[list[tuple[int, str, Decimal]], Decimal]:
    """The current month's top earners so far and its exact total (the active-earner rule
    applied), from the maintained figures: a pass over the month's payments and figure
    rows, so only the refresh task runs it."""
    from bonuses.services.close import _result, compute_period_from_figures
    from bonuses.services.plans import plan_terms

    period = current_period()
    figures = compute_period_from_figures(period, plan_terms(period))
    result = _result(period, figures, dry_run=True, started=0.0)
    return [(t.member_id, t.name, t.amount) for t in result.top_earners], result.total


def club_figures(*, with_top_earners: bool = False) -> ClubFigures:
    """Every figure of the dashboard, in a fixed number of queries. `computed_at` is when
    the computation began: a write committed while it ran leaves them stale."""
    started = timezone.now()
    period = current_period()
    first = add_months(period, -(CHART_MONTHS - 1))
    window = months_between(first, period)
    closes = {
        c.period: c.totals or {}
        for c in MonthClose.objects.filter(period__gte=first).only("period", "totals")
    }
    open_periods = [p for p in window if p not in closes]
    active = dict(
        Payment.objects.filter(period__in=open_periods, paid=True)
        .values_list("period")
        .annotate(n=Count("id"))
        .order_by()
    )
    active = {_as_date(p): n for p, n in active.items()}
    joined = (
        Member.objects.filter(joined_on__gte=first)
        .annotate(month=TruncMonth("joined_on"))
        .values_list("month")
        .annotate(n=Count("id"))
        .order_by()
    )
    new_members = {_as_date(m): n for m, n in joined}
    corrections = _corrections_by_period(first) if closes else {}
    # With the exact pass below, the current month's grouped estimate is not needed.
    live = live_bonuses_by_period(
        [p for p in open_periods if not (with_top_earners and p == period)]
    )
    months = []
    for p in window:
        if p in closes:
            totals = closes[p]
            months.append(
                MonthFigure(
                    period=p,
                    active=int(totals.get("payments", 0)),
                    # As the close wrote it, plus the corrections posted for it since.
                    bonuses=Decimal(totals.get("total", "0.00")) + corrections.get(p, ZERO),
                    new_members=new_members.get(p, 0),
                    closed=True,
                )
            )
        else:
            months.append(
                MonthFigure(
                    period=p,
                    active=active.get(p, 0),
                    bonuses=live.get(p, (ZERO, False))[0],
                    new_members=new_members.get(p, 0),
                    closed=False,
                )
            )
    accrued, estimate = live.get(period, (ZERO, False))
    top_earners = None
    if with_top_earners:
        top_earners, accrued = exact_current_month()
        estimate = False
        months[-1] = replace(months[-1], bonuses=accrued)
    return ClubFigures(
        computed_at=started,
        period=period,
        members=Member.objects.count(),
        new_this_month=months[-1].new_members,
        active_this_month=months[-1].active,
        active_last_month=months[-2].active,
        accrued_this_month=accrued,
        accrued_is_estimate=estimate,
        outstanding=_outstanding(),
        months=months,
        top_earners=top_earners,
        funnel=club_funnel(months=CHART_MONTHS),
    )


def refresh_dashboard_figures() -> str:
    """Recompute everything, top earners included, into the shared cache."""
    try:
        figures = club_figures(with_top_earners=True)
        cache.set(CACHE_KEY, figures, KEEP_SECONDS)
    finally:
        cache.delete(REFRESH_LOCK_KEY)
    return f"{figures.members} members, {figures.accrued_this_month} accrued"


def dashboard_figures() -> ClubFigures | None:
    """The cached figures; queues a background refresh when they are stale or missing.
    With nothing cached, a small club's figures are computed inline; a large club's page
    says they are being computed rather than keep staff waiting for seconds.
    """
    cached = cache.get_many([CACHE_KEY, CHANGED_KEY])
    figures, changed = cached.get(CACHE_KEY), cached.get(CHANGED_KEY)

    def _is_stale(figures: ClubFigures) -> bool:
        # Computed before the last write that changed what they count.
        return changed is not None and figures.computed_at.timestamp() < changed

    if figures is not None and figures.period != current_period():
        figures = None  # a new month began: last month's figures say nothing about it
    if figures is None or not figures.is_fresh() or _is_stale(figures):
        dashboard_queue_refresh()
        figures = cache.get(CACHE_KEY) or figures  # django-q2 in sync mode ran it already
    if (figures is None or _is_stale(figures)) and Member.objects.count() <= INLINE_LIMIT:
        # The top earners too (a pass over the month's figures: 145-155 ms in all against
        # 81-122 ms without, at 20 000 members on PostgreSQL):
        # without them the card went blank after every payment toggle.
        figures = club_figures(with_top_earners=True)
        cache.set(CACHE_KEY, figures, FRESH_SECONDS)
    if figures is not None:
        figures = replace(figures, stale=_is_stale(figures))
    return figures
