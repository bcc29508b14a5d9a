from .closes import MonthClose
from .ledger import LedgerEntry
from .members import Member, new_referral_code
from .payments import Payment
from .plans import Package, Plan, PlanLevel

__all__ = [
    "LedgerEntry",
    "Member",
    "MonthClose",
    "Package",
    "Payment",
    "Plan",
    "PlanLevel",
    "new_referral_code",
]
