"""A member's balance (closed ledger + live pending months), package progress and the
month-by-month history, each in a fixed number of queries whatever the downline."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from bonuses.models import LedgerEntry, Member, MonthClose, Payment
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core import prepared
from core.money import ZERO, money
from core.periods import add_months, current_period, months_between

from .common import as_date, cents_to_money, maintained_paid_by_period, member_earnings_cents


@dataclass(frozen=True)
class PackageProgress:
    name: str
    threshold: Decimal
    bonus: Decimal
    remaining: Decimal
    percent: int


@dataclass(frozen=True)
class Balance:
    """closed: the ledger (closed months and every other entry); pending: live earnings
    of every month not closed yet, split into `this_month` and `open_months` (earlier
    months not closed yet, oldest first, as (period, amount)); total = closed + pending."""

    closed: Decimal
    pending: Decimal
    total: Decimal
    next_package: PackageProgress | None
    top_package: str | None
    this_month: Decimal = ZERO
    open_months: tuple[tuple[date, Decimal], ...] = ()

    @property
    def open_months_total(self) -> Decimal:
        return sum((amount for _p, amount in self.open_months), ZERO)


@dataclass(frozen=True)
class MonthLine:
    period: date
    active: bool
    earned: Decimal
    closed: bool


EARNING_KINDS = (
    LedgerEntry.Kind.ACCRUAL,
    LedgerEntry.Kind.REFERRED,
    LedgerEntry.Kind.CORRECTION,
)


def ledger_balance(member_id: int) -> Decimal:
    """Sum of the member's ledger entries, summed in integer cents: SQLite would sum the
    decimal column as floats."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT SUM(ROUND(amount * 100)) FROM {table} WHERE member_id = %s", [member_id]
        )
        (cents,) = cursor.fetchone()
    return cents_to_money(cents or 0)


def _ledger_earnings_by_period(member_id: int, since: date) -> dict[date, Decimal]:
    return _ledger_sums(member_id, since)[1]


def _ledger_sums(member_id: int, since: date) -> tuple[Decimal, dict[date, Decimal]]:
    """The member's ledger balance and their earnings per period from `since` on
    (EARNING_KINDS: closes and their corrections), in one query over the member's
    entries, summed in integer cents."""
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    marks = ", ".join(["%s"] * len(EARNING_KINDS))
    earning = f"period >= %s AND kind IN ({marks})"
    rows = prepared.fetchall(
        "ledger_sums",
        f"SELECT CASE WHEN {earning} THEN period END, SUM(ROUND(amount * 100)) "
        f"FROM {table} WHERE member_id = %s GROUP BY 1",
        [since, *EARNING_KINDS, member_id],
    )
    balance = cents_to_money(sum(int(c or 0) for _p, c in rows))
    by_period = {as_date(p): cents_to_money(c) for p, c in rows if p is not None}
    return balance, by_period


def _live_earnings(
    member: Member,
    versions: list[PlanTerms],
    own: dict[date, int | None],
    periods: list[date],
    known: dict[date, tuple] | None = None,
) -> dict[date, Decimal]:
    """Live earnings per period (levels + referred) for the given open periods, from the
    maintained figures. `known`: the downline's (level, cents or None, count) rows of
    some periods, already read."""
    known = {p: rows for p, rows in (known or {}).items() if p in periods}
    max_levels = max(t.levels for t in versions)
    rows = maintained_paid_by_period(member, max_levels, [p for p in periods if p not in known])
    by_period: dict[date, list] = defaultdict(list)
    for period, level, cents, count in rows:
        by_period[period].append((level, cents, count))
    for period, period_rows in known.items():
        by_period[period] = [row for row in period_rows if row[1] is not None]
    result = {}
    for period in set(by_period) | {p for p, c in own.items() if c is not None}:
        terms = terms_in_force(versions, period)
        earned, referred = member_earnings_cents(
            terms,
            has_sponsor=member.depth > 1,
            own_cents=own.get(period),
            rows=by_period.get(period, ()),
        )
        result[period] = cents_to_money(sum(earned) + referred)
    return result


# What member_payments loads of a payment; the rest of its fields load when read.
_PAYMENT_FIELDS = ["id", "member_id", "period", "amount", "paid"]


def member_payments(member: Member, until: date) -> dict[date, Payment]:
    """The member's own payments up to `until` (a first-of-month date), by period: one
    query, a row a month of membership. The member page reads them once for the
    statement and the overview; by hand (core.prepared), the amount in integer cents so
    no database hands it over as a float."""
    rows = prepared.fetchall(
        "member_payments",
        f"SELECT id, period, ROUND(amount * 100), paid "
        f"FROM {connection.ops.quote_name(Payment._meta.db_table)} "
        f"WHERE member_id = %s AND period <= %s",
        [member.pk, until],
    )
    payments = {}
    for pk, period, cents, paid in rows:
        period = as_date(period)
        values = [pk, member.pk, period, cents_to_money(cents), bool(paid)]
        payments[period] = Payment.from_db(connection.alias, _PAYMENT_FIELDS, values)
    return payments


def _own_payments(
    payments: dict[date, Payment], since: date | None, until: date
) -> dict[date, int | None]:
    """Own payment per period from `since` to `until`, out of member_payments(): its
    amount in cents when paid, None when not."""
    return {
        p.period: int(p.amount * 100) if p.paid else None
        for p in payments.values()
        if p.period <= until and (not since or p.period >= since)
    }


def package_progress(terms: PlanTerms, total: Decimal) -> tuple[PackageProgress | None, str | None]:
    """The next package `total` works toward, or (None, top name) past the top one."""
    if not terms.packages:
        return None, None
    for name, threshold, bonus in terms.packages:
        if total < threshold:
            reached = max(total, ZERO)
            return (
                PackageProgress(
                    name=name,
                    threshold=threshold,
                    bonus=bonus,
                    remaining=money(threshold - reached),
                    percent=min(100, int(reached * 100 / threshold)),
                ),
                None,
            )
    return None, terms.packages[-1][0]


@dataclass(frozen=True)
class Overview:
    balance: Balance | None
    months: list[MonthLine]


def _closes_and_first_payment() -> tuple[set[date], date | None]:
    """The closed periods and the club's first paid-or-not period, in one query."""
    quote = connection.ops.quote_name
    closes, payments = quote(MonthClose._meta.db_table), quote(Payment._meta.db_table)
    rows = prepared.fetchall(
        "closes_and_first_payment",
        f"SELECT 0, period FROM {closes} UNION ALL SELECT 1, MIN(period) FROM {payments}",
    )
    closed = {as_date(p) for kind, p in rows if kind == 0}
    first = next((as_date(p) for kind, p in rows if kind == 1 and p is not None), None)
    return closed, first


def member_overview(
    *,
    member: Member,
    months: int = 12,
    with_balance: bool = True,
    this_month_rows: tuple | None = None,
    versions: list[PlanTerms] | None = None,
    payments: dict[date, Payment] | None = None,
) -> Overview:
    """Balance and the last `months` months together, for the member page.

    Both need the live earnings of every month not closed yet (the costly aggregation
    over the downline); this computes them once for both. `months=0` leaves the months
    out, `with_balance=False` the balance (then only the window's months are computed).
    `this_month_rows`: Statement.rows of this month, `versions`: all_plan_terms(),
    `payments`: member_payments() up to this month, when the caller has them."""
    versions = versions or all_plan_terms()
    this_month = current_period()
    since = add_months(this_month, -max(months - 1, 0))
    closed_periods, first_payment = _closes_and_first_payment()
    start = since
    if with_balance:
        start = first_payment or this_month
    unclosed = [p for p in months_between(start, this_month) if p not in closed_periods]
    if payments is None:
        payments = member_payments(member, this_month)
    own = _own_payments(payments, min(start, since), this_month)
    known = {this_month: this_month_rows} if this_month_rows is not None else None
    live = _live_earnings(member, versions, {p: own.get(p) for p in unclosed}, unclosed, known)

    balance = None
    closed, ledger = _ledger_sums(member.pk, since) if with_balance and months else (None, None)
    if with_balance:
        if closed is None:
            closed = ledger_balance(member.pk)
        pending = sum(live.values(), ZERO)
        total = closed + pending
        next_package, top = package_progress(terms_in_force(versions, this_month), total)
        balance = Balance(
            closed=closed,
            pending=pending,
            total=total,
            next_package=next_package,
            top_package=top,
            this_month=live.get(this_month, ZERO),
            open_months=tuple((p, live.get(p, ZERO)) for p in unclosed if p != this_month),
        )

    if ledger is None:
        ledger = _ledger_earnings_by_period(member.pk, since) if months else {}
    lines = []
    for i in range(months):
        period = add_months(since, i)
        is_closed = period in closed_periods
        earned = ledger.get(period, ZERO) if is_closed else live.get(period, ZERO)
        lines.append(
            MonthLine(
                period=period, active=own.get(period) is not None, earned=earned, closed=is_closed
            )
        )
    return Overview(balance=balance, months=lines)


def member_balance(*, member: Member) -> Balance:
    """Closed (ledger) balance, pending (live earnings of every month not closed yet, this
    one included) and total, with progress to the next package on the total."""
    return member_overview(member=member, months=0).balance


def member_months(*, member: Member, months: int = 12) -> list[MonthLine]:
    """The last `months` months, oldest first, this month last: active or not and what the
    member earned (ledger for closed months, corrections included; live otherwise)."""
    return member_overview(member=member, months=months, with_balance=False).months
