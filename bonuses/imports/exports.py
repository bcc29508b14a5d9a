"""The exports staff take back to their spreadsheets, computed set-based: a few queries
and one pass in Python whatever the size of the club (never a selector call per member).

Each function yields plain dicts of Python values (dates, Decimals, aware datetimes);
bonuses.resources turns them into CSV or XLSX.
"""

from collections import Counter
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model

from bonuses.models import LedgerEntry, Member, Payment
from bonuses.models.ledger import reason_text
from bonuses.selectors.closed import (
    ClosedMonth,
    closed_month,
    closed_statements_rows,
    corrections_by_member,
)
from bonuses.selectors.common import cents_to_money
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.links import referral_url

from .keys import phone_text

STEP = Member.steplen


def member_keys() -> dict[int, str]:
    """Member id -> the key a file names it by: club number, else login, email, phone."""
    logins = dict(
        get_user_model().objects.filter(member__isnull=False).values_list("member__id", "username")
    )
    keys = {}
    for pk, external_id, email, phone in Member.objects.values_list(
        "id", "external_id", "email", "phone"
    ).iterator(chunk_size=10_000):
        keys[pk] = external_id or logins.get(pk) or email or phone_text(phone)
    return keys


def members_rows():
    """Every member, parents before their referrals (path order), with sponsor key,
    level, downline size and referral link."""
    logins = dict(
        get_user_model().objects.filter(member__isnull=False).values_list("member__id", "username")
    )
    members = list(
        Member.objects.order_by("path").values(
            "id",
            "path",
            "depth",
            "sponsor_id",
            "external_id",
            "first_name",
            "last_name",
            "middle_name",
            "email",
            "phone",
            "birth_date",
            "address",
            "joined_on",
            "referral_code",
        )  # fmt: skip
    )
    downline = Counter()
    for m in members:
        path = m["path"]
        for end in range(STEP, len(path), STEP):
            downline[path[:end]] += 1
    keys = {}
    for m in members:
        m["phone"] = phone_text(m["phone"])
        keys[m["id"]] = m["external_id"] or logins.get(m["id"]) or m["email"] or m["phone"]
    for m in members:
        yield {
            **m,
            "username": logins.get(m["id"], ""),
            "sponsor": keys.get(m["sponsor_id"], "") if m["sponsor_id"] else "",
            "level": m["depth"],
            "downline": downline[m["path"]],
            "referral_link": referral_url(m["referral_code"]),
        }


def payments_rows():
    keys = member_keys()
    for p in (
        Payment.objects.order_by("period", "member_id")
        .values("member_id", "period", "amount", "paid")
        .iterator(chunk_size=10_000)
    ):
        yield {
            "member": keys[p["member_id"]],
            "month": p["period"],
            "amount": p["amount"],
            "paid": "yes" if p["paid"] else "no",
        }


def statement_levels(period: date) -> int:
    return terms_in_force(all_plan_terms(), period).levels


def statements_rows(period: date):
    """Each member's statement for `period`, as member_statement gives it, with the level
    breakdown. A closed period is read from what its close stored (selectors.closed),
    with the corrections posted for it since in their own column; an open one is
    computed in one pass that adds every member to its ancestors within the plan's
    levels."""
    terms = terms_in_force(all_plan_terms(), period)
    levels = terms.levels
    close = closed_month(period)
    members = list(
        Member.objects.order_by("path").values_list(
            "id", "path", "depth", "external_id", "first_name", "last_name"
        )
    )
    keys = member_keys()
    corrections = corrections_by_member(period) if close is not None else {}
    if close is not None and close.figures_stored:
        stored = closed_statements_rows(period, terms)
        empty = ClosedMonth(period, False, [(0, 0, 0)] * levels, 0)
        for pk, _path, _depth, _ext, first_name, last_name in members:
            month = stored.get(pk, empty)
            yield _statement_row(
                keys[pk],
                (first_name, last_name),
                period,
                month.active,
                [f for f, _a, _c in month.levels],
                [a for _f, a, _c in month.levels],
                [c for _f, _a, c in month.levels],
                month.referred,
                closed=True,
                corrections=corrections.get(pk, 0),
            )
        return
    paid = {
        member_id: int(amount * 100)
        for member_id, amount in Payment.objects.filter(period=period, paid=True).values_list(
            "member_id", "amount"
        )
    }
    by_path = {path: i for i, (_, path, *_rest) in enumerate(members)}
    followers = [[0] * levels for _ in members]
    active = [[0] * levels for _ in members]
    earned = [[0] * levels for _ in members]
    for pk, path, depth, *_ in members:
        cents = paid.get(pk)
        for k in range(1, min(levels, depth - 1) + 1):
            a = by_path[path[: len(path) - STEP * k]]
            followers[a][k - 1] += 1
            if cents is not None:
                active[a][k - 1] += 1
                earned[a][k - 1] += terms.share_cents(k, cents)
    legacy = _legacy_amounts(period, levels) if close is not None else None
    for i, (pk, _path, depth, _ext, first_name, last_name) in enumerate(members):
        own = paid.get(pk)
        level_cents = earned[i]
        if terms.earner_must_be_active and own is None:
            level_cents = [0] * levels
        referred = terms.share_cents(0, own) if depth > 1 and own is not None else 0
        if legacy is not None:  # closed before figures were kept: what it credited
            level_cents, referred = legacy.get(pk, ([0] * levels, 0))
        yield _statement_row(
            keys[pk],
            (first_name, last_name),
            period,
            own is not None,
            followers[i],
            active[i],
            level_cents,
            referred,
            closed=close is not None,
            corrections=corrections.get(pk, 0),
        )


def _legacy_amounts(period: date, levels: int) -> dict[int, tuple[list[int], int]]:
    """Member id -> (cents per level, referred cents) credited by a close made before
    figures were kept, from its ledger entries."""
    result: dict[int, tuple[list[int], int]] = {}
    entries = LedgerEntry.objects.filter(
        period=period, kind__in=[LedgerEntry.Kind.ACCRUAL, LedgerEntry.Kind.REFERRED]
    ).values_list("member_id", "kind", "amount", "breakdown")
    for member_id, kind, amount, breakdown in entries.iterator(chunk_size=10_000):
        cents, referred = result.get(member_id, ([0] * levels, 0))
        if kind == LedgerEntry.Kind.REFERRED:
            referred += int(amount * 100)
        else:
            for k, value in enumerate((breakdown or {}).get("levels", [])[:levels]):
                cents[k] += int(Decimal(value) * 100)
        result[member_id] = (cents, referred)
    return result


def _statement_row(
    key, names, period, active, followers, actives, level_cents, referred, *, closed, corrections
) -> dict:
    first_name, last_name = names
    row = {
        "member": key,
        "name": " ".join(p for p in (last_name, first_name) if p),
        "month": period,
        "active": "yes" if active else "no",
        "followers": sum(followers),
        "active_followers": sum(actives),
    }
    for k in range(len(followers)):
        row[f"level_{k + 1}_followers"] = followers[k]
        row[f"level_{k + 1}_active"] = actives[k]
        row[f"level_{k + 1}_earned"] = cents_to_money(level_cents[k])
    row["referred_bonus"] = cents_to_money(referred)
    row["total"] = cents_to_money(sum(level_cents) + referred)
    row["closed"] = "yes" if closed else "no"
    row["corrections"] = cents_to_money(corrections)
    return row


def ledger_rows():
    keys = member_keys()
    for e in (
        LedgerEntry.objects.order_by("id")  # the order written in; the primary key's index
        .values(
            "id",
            "member_id",
            "kind",
            "period",
            "amount",
            "reason",
            "reason_code",
            "reason_params",
            "created_at",
        )  # fmt: skip
        .iterator(chunk_size=10_000)
    ):
        code, params = e.pop("reason_code"), e.pop("reason_params")
        reason = reason_text(code, params) if code else e["reason"]
        yield {**e, "reason": reason, "member": keys[e["member_id"]]}


def funnel_rows():
    """Every member's referral funnel per month of the last 12 (bonuses.selectors.funnel),
    the months with something in them: member key, name, month, opened, signed up, paid
    first month."""
    from bonuses.selectors.funnel import funnel_rows as rows

    keys = member_keys()
    names = dict(
        (pk, f"{first} {last}".strip())
        for pk, first, last in Member.objects.values_list("id", "first_name", "last_name")
    )
    for row in rows():
        yield {
            "member": keys[row["member_id"]],
            "name": names.get(row["member_id"], ""),
            "month": row["month"],
            "opened": row["opened"],
            "signed_up": row["signed_up"],
            "paid_first_month": row["paid_first"],
        }
