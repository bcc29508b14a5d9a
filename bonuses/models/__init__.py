from .closes import MonthClose
from .imports import ImportJob
from .ledger import LedgerEntry
from .members import Member, new_referral_code
from .payments import Payment
from .plans import Package, Plan, PlanLevel

__all__ = [
    "ImportJob",
    "LedgerEntry",
    "Member",
    "MonthClose",
    "Package",
    "Payment",
    "Plan",
    "PlanLevel",
    "new_referral_code",
]
