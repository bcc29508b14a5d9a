"""What a sponsor change would move, before it is made: how many members go with the
member and which open months' bonuses change (the confirmation page of the member form;
also what a sponsor request's approval should show)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from bonuses.models import Member, Payment
from bonuses.models.members import path_bounds
from bonuses.services.close import unclosed_periods
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.periods import current_period


@dataclass(frozen=True)
class SponsorMove:
    members: int  # the member and everyone in their downline
    months: list[tuple[date, int]]  # (open month, paid payments whose uplines change)


def _subtree(member: Member):
    low, high = path_bounds(member.path)
    rows = Member.objects.filter(path__gte=member.path)
    return rows.filter(path__lt=high) if high else rows


def sponsor_move(*, member: Member) -> SponsorMove:
    """Reads only, in three queries (plan versions, the subtree's size, its payments).

    A move changes who earns from a paid payment when the payer is the member or within
    the plan's levels below them (deeper payers' earners all move with them), and it
    changes the member's referred bonus when they gain or lose a sponsor: the months
    listed are the open ones (not closed yet, this month included) with such payments.
    Closed months are never recomputed (DESIGN.md)."""
    periods = [*unclosed_periods(), current_period()]
    versions = all_plan_terms()
    levels = max(terms_in_force(versions, p).levels for p in periods)
    size = _subtree(member).count()
    payers = _subtree(member).filter(depth__lt=member.depth + levels)
    paid = (
        Payment.objects.filter(period__in=periods, paid=True, member__in=payers.values("pk"))
        .values("period")
        .annotate(n=Count("id"))
        .order_by("period")
    )
    return SponsorMove(members=size, months=[(row["period"], row["n"]) for row in paid])
