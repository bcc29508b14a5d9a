"""The only place that changes money or the referral tree.

Plain functions taking model instances and plain values, keyword-only, each atomic.
"""

from .claims import (
    claim_check_code,
    claim_confirm_link,
    claim_issue_code,
    claim_redeem_code,
    claim_resend,
    claim_start,
)
from .close import CloseResult, LevelTotal, TopEarner, month_close, unclosed_periods
from .ledger import ledger_adjust, ledger_open_balances, ledger_payout, package_claim
from .members import (
    member_change_sponsor,
    member_delete,
    member_delete_error,
    member_enroll,
    member_link_login,
    member_remove_sponsor,
    member_update,
    sponsor_change_error,
)
from .payments import payment_mark_paid, payment_mark_unpaid, payment_set, payments_set_batch
from .plans import plan_change_error, plan_create_version, plan_for
from .signup import member_signup
from .sponsor_requests import (
    sponsor_request_approve,
    sponsor_request_create,
    sponsor_request_reject,
)

__all__ = [
    "CloseResult",
    "LevelTotal",
    "TopEarner",
    "claim_check_code",
    "claim_confirm_link",
    "claim_issue_code",
    "claim_redeem_code",
    "claim_resend",
    "claim_start",
    "ledger_adjust",
    "ledger_open_balances",
    "ledger_payout",
    "member_change_sponsor",
    "member_delete",
    "member_delete_error",
    "member_enroll",
    "member_link_login",
    "member_remove_sponsor",
    "member_signup",
    "member_update",
    "month_close",
    "package_claim",
    "payment_mark_paid",
    "payment_mark_unpaid",
    "payment_set",
    "payments_set_batch",
    "plan_change_error",
    "plan_create_version",
    "plan_for",
    "sponsor_change_error",
    "sponsor_request_approve",
    "sponsor_request_create",
    "sponsor_request_reject",
    "unclosed_periods",
]
