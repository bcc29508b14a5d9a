from .claims import MemberClaim
from .closes import MonthClose
from .figures import MAX_LEVELS, DownlineCount, DownlineVolume, FiguresCheck
from .imports import ImportJob
from .ledger import LedgerEntry
from .members import Member, new_referral_code
from .payments import Payment
from .plans import Package, Plan, PlanLevel
from .sponsor_requests import SponsorRequest

__all__ = [
    "MAX_LEVELS",
    "DownlineCount",
    "DownlineVolume",
    "FiguresCheck",
    "ImportJob",
    "LedgerEntry",
    "Member",
    "MemberClaim",
    "MonthClose",
    "Package",
    "Payment",
    "Plan",
    "PlanLevel",
    "SponsorRequest",
    "new_referral_code",
]
