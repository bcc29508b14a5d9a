"""Helpers under every reader of a member's figures (statements, balances, the
closed-period reader, exports): money in cents, the downline as a path range, and the
earnings arithmetic of DESIGN.md. Imports no other selector, so the readers above it
import in one direction: common <- closed <- statements <- balances <- documents.

Everything is aggregated in the database over the member's downline as a path range
(`path_bounds`, an index range scan), grouped by depth and payment amount: the number of
queries does not grow with the downline. Money is multiplied in Python with Decimal,
per payment amount (each payment's share is rounded on its own, as in the close).
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connection

from bonuses.models import DownlineCount, DownlineVolume, Member, Payment
from bonuses.models.members import path_bounds
from bonuses.services.plans import PlanTerms
from core import prepared
from core.money import money


def cents_to_money(cents) -> Decimal:
    return money(Decimal(int(cents)) / 100)


def as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _range_sql(member: Member) -> tuple[str, list]:
    low, high = path_bounds(member.path)
    if high is None:
        return "m.path >= %s", [low]
    return "m.path >= %s AND m.path < %s", [low, high]


def _tables() -> tuple[str, str]:
    q = connection.ops.quote_name
    return q(Member._meta.db_table), q(Payment._meta.db_table)


def downline_level_counts(member: Member, period: date, levels: int) -> list[tuple]:
    """(level, amount in cents or None for unpaid, count) over the downline within
    `levels`, for one period: followers and paid payments in one query."""
    members, payments = _tables()
    where, params = _range_sql(member)
    # A correlated lookup per follower (an index-only probe of payment_statement_idx)
    # rather than a join: left to choose, both planners hash every payment of the
    # period, which grows with the club instead of with the downline.
    sql = (
        f"SELECT m.depth - %s, (SELECT ROUND(p.amount * 100) FROM {payments} p "
        f"WHERE p.member_id = m.id AND p.period = %s AND p.paid = %s), COUNT(*) "
        f"FROM {members} m WHERE {where} AND m.depth <= %s GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member.depth, period, True, *params, member.depth + levels])
        return [(lv, None if c is None else int(c), n) for lv, c, n in cursor.fetchall()]


def downline_paid_by_period(member: Member, levels: int, periods: list[date]) -> list[tuple]:
    """(period, level, amount in cents, count) of paid payments in the downline within
    `levels`, for the given periods.

    The periods are listed rather than given as a range or a NOT IN over the closes: with
    a list both planners walk the downline's path range and probe each follower's
    payments through the covering index, whatever the size of the club. CROSS JOIN pins
    that order on SQLite, which otherwise scans every payment of the periods by date
    (160 ms rather than 12 ms for a 10 000-member downline in a 100 000-member club)."""
    if not periods:
        return []
    members, payments = _tables()
    where, params = _range_sql(member)
    marks = ", ".join(["%s"] * len(periods))
    sql = (
        f"SELECT p.period, m.depth - %s, ROUND(p.amount * 100), COUNT(*) FROM {members} m "
        f"CROSS JOIN {payments} p "
        f"WHERE p.member_id = m.id AND {where} AND m.depth <= %s AND p.paid = %s "
        f"AND p.period IN ({marks}) "
        f"GROUP BY p.period, m.depth, ROUND(p.amount * 100)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [member.depth, *params, member.depth + levels, True, *periods])
        return [(as_date(p), lv, int(c), n) for p, lv, c, n in cursor.fetchall()]


def maintained_level_counts(member: Member, period: date, levels: int) -> list[tuple]:
    """downline_level_counts read from the maintained figures of an open period: two
    index lookups on the member's own rows, whatever the size of the downline."""
    q = connection.ops.quote_name
    counts, volumes = q(DownlineCount._meta.db_table), q(DownlineVolume._meta.db_table)
    sql = (
        f"SELECT level, NULL, followers FROM {counts} "
        f"WHERE earner_id = %s AND level <= %s AND followers <> 0 "
        f"UNION ALL SELECT level, cents, paid FROM {volumes} "
        f"WHERE earner_id = %s AND period = %s AND level <= %s AND paid <> 0"
    )
    params = [member.pk, levels, member.pk, period, levels]
    fetched = prepared.fetchall("maintained_level_counts", sql, params)
    followers: dict[int, int] = defaultdict(int)
    rows = []
    paid: dict[int, int] = defaultdict(int)
    for level, cents, count in fetched:
        if cents is None:
            followers[level] += count
        else:
            rows.append((level, int(cents), count))
            paid[level] += count
    for level, total in sorted(followers.items()):
        if total > paid[level]:
            rows.append((level, None, total - paid[level]))
    return rows


def maintained_paid_by_period(member: Member, levels: int, periods: list[date]) -> list[tuple]:
    """downline_paid_by_period for open periods, read from the maintained figures: an
    index range over the member's own rows."""
    if not periods:
        return []
    volumes = connection.ops.quote_name(DownlineVolume._meta.db_table)
    marks = ", ".join(["%s"] * len(periods))
    sql = (
        f"SELECT period, level, cents, paid FROM {volumes} WHERE earner_id = %s "
        f"AND period IN ({marks}) AND level <= %s AND paid <> 0"
    )
    rows = prepared.fetchall("maintained_paid_by_period", sql, [member.pk, *periods, levels])
    return [(as_date(p), lv, int(c), n) for p, lv, c, n in rows]


def level_cents(terms: PlanTerms, rows) -> list[int]:
    """Earnings per level in cents from (level, cents, count) rows of paid payments."""
    earned = [0] * terms.levels
    for level, cents, count in rows:
        if cents is not None and 1 <= level <= terms.levels:
            earned[level - 1] += count * terms.share_cents(level, cents)
    return earned


def member_earnings_cents(
    terms: PlanTerms, *, has_sponsor: bool, own_cents: int | None, rows
) -> tuple[list[int], int]:
    """(level earnings, referred bonus) in cents for one member and period."""
    earned = level_cents(terms, rows)
    if terms.earner_must_be_active and own_cents is None:
        earned = [0] * terms.levels
    referred = terms.share_cents(0, own_cents) if has_sponsor and own_cents is not None else 0
    return earned, referred
