"""What commands hand out about a member: the statement JSON. Above the statement and
balance readers, which it combines."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from bonuses.models import Member
from core.money import money
from core.periods import format_month

from .balances import member_balance
from .statements import member_statement


def _amount(value: Decimal) -> str:
    return f"{money(value):.2f}"


def statement_json(*, member: Member, period: date | None = None) -> dict:
    """The JSON of `manage.py statement --json` (DESIGN.md, "Interfaces"): amounts as
    strings with two decimals, `month` as YYYY-MM. `closed` says whether the month's
    figures are those its close stored (then `corrections` lists the correction entries
    posted for it since, with their dates, and `ledger_total` = `month_total` + their
    sum, the ledger's figure for the month) or a live computation of an open month."""
    statement = member_statement(member=member, period=period)
    balance = member_balance(member=member)
    package = balance.next_package
    sponsor = statement.sponsor
    return {
        "member": _member_json(member),
        "month": format_month(statement.period),
        "sponsor": _member_json(sponsor) if sponsor else None,
        "active": statement.active,
        "levels": [
            {
                "level": line.level,
                "followers": line.followers,
                "active": line.active,
                "earned": _amount(line.earned),
            }
            for line in statement.levels
        ],
        "followers": statement.followers,
        "active_followers": statement.active_followers,
        "referred_bonus": _amount(statement.referred_bonus),
        "month_total": _amount(statement.month_total),
        "closed": statement.closed,
        "corrections": [
            {
                "date": timezone.localtime(c.created_at).date().isoformat(),
                "amount": _amount(c.amount),
                "reason": c.reason,
            }
            for c in statement.corrections
        ],
        "ledger_total": _amount(statement.ledger_total),
        "previous_balance": _amount(balance.closed),
        "pending": _amount(balance.pending),
        "this_month": _amount(balance.this_month),
        "not_closed": [
            {"month": format_month(p), "amount": _amount(amount)}
            for p, amount in balance.open_months
        ],
        "balance": _amount(balance.total),
        "next_package": (
            {
                "name": package.name,
                "threshold": _amount(package.threshold),
                "bonus": _amount(package.bonus),
                "remaining": _amount(package.remaining),
                "percent": package.percent,
            }
            if package
            else None
        ),
        "top_package": balance.top_package,
    }


def _member_json(member: Member) -> dict:
    return {
        "id": member.pk,
        "name": member.full_name,
        "external_id": member.external_id,
        "referral_code": member.referral_code,
    }
