"""Reads that feed pages and commands, each in a fixed number of queries."""

from .balances import (
    Balance,
    MonthLine,
    Overview,
    PackageProgress,
    member_balance,
    member_months,
    member_overview,
)
from .closed import ClosedMonth, CorrectionLine, closed_member_month, closed_month
from .documents import statement_json
from .downline import Branch, DownlineNode, downline_branch, downline_children
from .member_page import MemberPage, member_page
from .statements import LevelLine, Statement, member_find, member_statement

__all__ = [
    "ClosedMonth",
    "CorrectionLine",
    "closed_member_month",
    "closed_month",
    "Balance",
    "LevelLine",
    "Branch",
    "DownlineNode",
    "MemberPage",
    "MonthLine",
    "Overview",
    "PackageProgress",
    "Statement",
    "downline_branch",
    "downline_children",
    "member_balance",
    "member_find",
    "member_months",
    "member_page",
    "member_overview",
    "member_statement",
    "statement_json",
]
