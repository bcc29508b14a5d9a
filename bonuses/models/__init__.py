from .claims import MemberClaim
from .closes import MonthClose
from .downline import MAX_LEVELS, DownlineCount, DownlineVolume, FiguresCheck
from .figures import ClosedFigures
from .imports import ImportJob
from .ledger import LedgerEntry
from .members import Member, new_referral_code
from .payments import Payment
from .plans import Package, Plan, PlanLevel
from .sponsor_requests import SponsorRequest
from .statement_mails import StatementMail
from .visits import ReferralVisit

__all__ = [
    "MAX_LEVELS",
    "ClosedFigures",
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
    "ReferralVisit",
    "SponsorRequest",
    "StatementMail",
    "new_referral_code",
]
