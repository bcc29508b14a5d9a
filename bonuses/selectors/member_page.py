"""Everything the member page shows, read through the engine's selectors."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bonuses.models import Member
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core.periods import current_period

from .balances import Balance, MonthLine, member_overview
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
    a closed month as its close stored it, with the corrections posted since)."""
    period = current_period()
    versions = all_plan_terms()
    terms = terms_in_force(versions, period)
    statement = member_statement(member=member, period=period, versions=versions)
    overview = member_overview(
        member=member, months=12, this_month_rows=statement.rows, versions=versions
    )
    downline = downline_children(root=member, parent=member, levels=terms.levels, period=period)
    paying_adds = Decimal("0.00")
    if not statement.active:
        cents = terms.share_cents(0, int(terms.monthly_price * 100)) if member.depth > 1 else 0
        if terms.earner_must_be_active:
            cents += sum(level_cents(terms, statement.rows))
        paying_adds = cents_to_money(cents)
    month_statement = None
    if month is not None and month < period:
        month_statement = member_statement(member=member, period=month, versions=versions)
    return MemberPage(
        month_statement=month_statement,
        paying_adds=paying_adds,
        statement=statement,
        balance=overview.balance,
        months=overview.months,
        downline=downline,
        terms=terms,
    )
