"""Everything the member page shows, read through the engine's selectors."""

from dataclasses import dataclass
from decimal import Decimal

from bonuses.models import Member
from bonuses.services.plans import PlanTerms, all_plan_terms, terms_in_force
from core.periods import current_period

from .balances import Balance, MonthLine, member_overview
from .downline import Branch, downline_children
from .statements import Statement, member_statement


@dataclass(frozen=True)
class MemberPage:
    statement: Statement
    balance: Balance
    months: list[MonthLine]
    downline: Branch
    terms: PlanTerms

    @property
    def best_month(self) -> Decimal:
        return max((line.earned for line in self.months), default=Decimal(0))


def member_page(*, member: Member) -> MemberPage:
    """This month's statement, the balance, the last 12 months and the first level of
    the downline: a fixed number of queries, whatever the size of the downline."""
    period = current_period()
    terms = terms_in_force(all_plan_terms(), period)
    statement = member_statement(member=member, period=period)
    overview = member_overview(member=member, months=12, this_month_rows=statement.rows)
    downline = downline_children(root=member, parent=member, levels=terms.levels, period=period)
    return MemberPage(
        statement=statement,
        balance=overview.balance,
        months=overview.months,
        downline=downline,
        terms=terms,
    )
