"""Everything the member page shows, read through the engine's selectors."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bonuses.models import LedgerEntry, Member, Payment
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core.periods import current_period, period_of

from .balances import Balance, MonthLine, member_overview, member_payments
from .common import cents_to_money, level_cents
from .downline import Branch, downline_children
from .statements import Statement, member_statement


@dataclass(frozen=True)
class MemberPage:
    statement: Statement
    balance: Balance
    months: list[MonthLine]
    downline: Branch
    terms: PlanTerms
    # A past month asked for (the history's link): closed ones as their close stored them.
    month_statement: Statement | None = None
    # What paying this month would add for an unpaid member: the referred bonus on the
    # plan's price (when they have a sponsor) and, when the plan pays only active
    # members, what their downline has earned them so far. Zero once paid.
    paying_adds: Decimal = Decimal("0.00")

    @property
    def best_month(self) -> Decimal:
        return max((line.earned for line in self.months), default=Decimal(0))


def member_page(*, member: Member, month: date | None = None) -> MemberPage:
    """This month's statement, the balance, the last 12 months and the first level of
    the downline: a fixed number of queries, whatever the size of the downline. With
    `month` (a past first-of-month date) also that month's statement (member_statement:
    a closed month as its close stored it, with the corrections posted since), unless
    the month was before they were a member."""
    period = current_period()
    versions = all_plan_terms()
    terms = terms_in_force(versions, period)
    payments = member_payments(member, period)
    statement = member_statement(
        member=member, period=period, versions=versions, payment=payments.get(period)
    )
    overview = member_overview(
        member=member,
        months=12,
        this_month_rows=statement.rows,
        versions=versions,
        payments=payments,
    )
    downline = downline_children(root=member, parent=member, levels=terms.levels, period=period)
    paying_adds = Decimal("0.00")
    if not statement.active:
        cents = terms.share_cents(0, int(terms.monthly_price * 100)) if member.depth > 1 else 0
        if terms.earner_must_be_active:
            cents += sum(level_cents(terms, statement.rows))
        paying_adds = cents_to_money(cents)
    month_statement = None
    if month is not None and month < period and _was_a_member(member, month, payments):
        month_statement = member_statement(
            member=member, period=month, versions=versions, payment=payments.get(month)
        )
    return MemberPage(
        month_statement=month_statement,
        paying_adds=paying_adds,
        statement=statement,
        balance=overview.balance,
        months=overview.months,
        downline=downline,
        terms=terms,
    )


def _was_a_member(member: Member, month: date, payments: dict[date, Payment]) -> bool:
    """Whether `month` is one of the member's: from the month they joined, or any month
    they paid for or were credited for (an imported member's join date may be later
    than their history). `payments`: member_payments() up to `month` at least."""
    if not member.joined_on or month >= period_of(member.joined_on) or month in payments:
        return True
    return LedgerEntry.objects.filter(member=member, period=month).exists()
