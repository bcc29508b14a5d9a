from .claims import MemberClaim
from .closes import MonthClose
from .figures import ClosedFigures
from .imports import ImportJob
from .ledger import LedgerEntry
from .members import Member, new_referral_code
from .payments import Payment
from .plans import Package, Plan, PlanLevel
from .sponsor_requests import SponsorRequest
from .visits import ReferralVisit

__all__ = [
    "ClosedFigures",
    "ImportJob",
    "LedgerEntry",
    "Member",
    "MemberClaim",
    "MonthClose",
    "Package",
    "Payment",
    "Plan",
    "PlanLevel",
    "ReferralVisit",
    "SponsorRequest",
    "new_referral_code",
]
