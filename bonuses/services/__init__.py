"""The only place that changes money or the referral tree.

Plain functions taking model instances and plain values, keyword-only, each atomic.
"""

from .members import (
    member_change_sponsor,
    member_enroll,
    member_remove_sponsor,
    member_update,
    sponsor_change_error,
)
from .payments import payment_mark_paid, payment_mark_unpaid, payment_set, payments_set_batch

__all__ = [
    "member_change_sponsor",
    "member_enroll",
    "member_remove_sponsor",
    "member_update",
    "payment_mark_paid",
    "payment_mark_unpaid",
    "payment_set",
    "payments_set_batch",
    "sponsor_change_error",
]
