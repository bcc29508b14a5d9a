from .members import Member, new_referral_code
from .payments import Payment

__all__ = ["Member", "Payment", "new_referral_code"]
