"""What approving a sponsor request would change, for the staff who decide it."""

from dataclasses import dataclass
from datetime import date

from django.db import connection

from bonuses.models import Member, Payment, SponsorRequest
from bonuses.models.members import path_bounds
from bonuses.services.close import unclosed_periods
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.periods import current_period

from .common import as_date as _as_date


@dataclass(frozen=True)
class MoveEffect:
    moving: int  # the member and every follower: they all move together
    months: tuple[date, ...]  # open periods whose bonuses the move changes, oldest first


def open_periods() -> list[date]:
    """Periods not closed yet that have payments, and the current one: the months a
    tree change still re-computes (closed months are final)."""
    periods = unclosed_periods()
    now = current_period()
    return periods if now in periods else [*periods, now]


def _page(members: list[Member]) -> tuple[str, list]:
    rows, params = [], []
    for member in members:
        high = path_bounds(member.path)[1]
        rows.append("(%s, %s, %s, %s)")
        params += [
            member.pk,
            member.path,
            high if high is not None else member.path + "~",
            member.depth,
        ]
    return f"page(id, low, high, depth) AS (VALUES {', '.join(rows)})", params


def move_effects(members: list[Member]) -> dict[int, MoveEffect]:
    """{member id: MoveEffect} of giving each of `members` (members without a sponsor) a
    sponsor, in four queries whatever the number of members or the size of their branches.

    An open month changes when someone in the branch paid for it within the plan's levels
    of the new sponsor: their payment then earns the new upline commissions (and the member
    their referred bonus). Levels follow the plan in force for each month.
    """
    if not members:
        return {}
    periods = open_periods()
    versions = all_plan_terms()
    q = connection.ops.quote_name
    table, payments = q(Member._meta.db_table), q(Payment._meta.db_table)
    page, params = _page(members)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {page} SELECT page.id, (SELECT COUNT(*) FROM {table} d "
            f"WHERE d.path >= page.low AND d.path < page.high) FROM page",
            params,
        )
        moving = {int(pk): count for pk, count in cursor.fetchall()}
        marks = ", ".join(["%s"] * len(periods))
        cursor.execute(
            f"WITH {page} SELECT page.id, p.period, MIN(d.depth - page.depth) FROM page "
            f"JOIN {table} d ON d.path >= page.low AND d.path < page.high "
            f"JOIN {payments} p ON p.member_id = d.id "
            f"WHERE p.paid = %s AND p.period IN ({marks}) GROUP BY page.id, p.period",
            [*params, True, *periods],
        )
        changed: dict[int, set[date]] = {}
        for pk, period, depth in cursor.fetchall():
            period = _as_date(period)
            if depth < terms_in_force(versions, period).levels:
                changed.setdefault(int(pk), set()).add(period)
    return {
        m.pk: MoveEffect(moving=moving.get(m.pk, 1), months=tuple(sorted(changed.get(m.pk, ()))))
        for m in members
    }


def latest_sponsor_request(member: Member) -> SponsorRequest | None:
    """The member's newest request (what their page says about it), in one query."""
    return SponsorRequest.objects.filter(member=member).order_by("-created_at", "-id").first()


def pending_sponsor_requests() -> int:
    """How many requests wait for staff (the sidebar's badge)."""
    return SponsorRequest.objects.filter(status=SponsorRequest.Status.PENDING).count()
