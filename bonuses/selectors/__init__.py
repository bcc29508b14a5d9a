"""Reads that feed pages and commands, each in a fixed number of queries."""

from .balances import Balance, MonthLine, PackageProgress, member_balance, member_months
from .statements import LevelLine, Statement, member_find, member_statement, statement_json

__all__ = [
    "Balance",
    "LevelLine",
    "MonthLine",
    "PackageProgress",
    "Statement",
    "member_balance",
    "member_find",
    "member_months",
    "member_statement",
    "statement_json",
]
