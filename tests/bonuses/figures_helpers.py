"""The naive computation the maintained figures must equal: sponsors followed one member
at a time in Python, nothing shared with the services' SQL."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from bonuses.models import MAX_LEVELS, DownlineCount, DownlineVolume, Member, MonthClose, Payment
from bonuses.services.plans import all_plan_terms, terms_in_force
from core.money import money


def naive_figures(periods: list[date]) -> tuple[dict, dict]:
    """({(earner, level): followers}, {(earner, period, level, cents): paid}) from the
    members' sponsors and the payments."""
    sponsor = dict(Member.objects.values_list("id", "sponsor_id"))
    paid = defaultdict(dict)
    for member_id, period, amount in Payment.objects.filter(
        paid=True, period__in=periods
    ).values_list("member_id", "period", "amount"):
        paid[period][member_id] = int(amount * 100)
    counts, volumes = defaultdict(int), defaultdict(int)
    for member_id in sponsor:
        node, level = sponsor[member_id], 1
        while node is not None and level <= MAX_LEVELS:
            counts[node, level] += 1
            for period in periods:
                cents = paid[period].get(member_id)
                if cents is not None:
                    volumes[node, period, level, cents] += 1
            node, level = sponsor[node], level + 1
    return dict(counts), dict(volumes)


def kept_figures(periods: list[date]) -> tuple[dict, dict]:
    counts = {
        (e, lv): n
        for e, lv, n in DownlineCount.objects.values_list("earner_id", "level", "followers")
        if n
    }
    volumes = {
        (e, p, lv, c): n
        for e, p, lv, c, n in DownlineVolume.objects.filter(period__in=periods).values_list(
            "earner_id", "period", "level", "cents", "paid"
        )
        if n
    }
    return counts, volumes


def open_periods(periods: list[date]) -> list[date]:
    closed = set(MonthClose.objects.values_list("period", flat=True))
    return [p for p in periods if p not in closed]


def assert_figures_exact(periods: list[date]) -> None:
    periods = open_periods(periods)
    assert kept_figures(periods) == naive_figures(periods)


def naive_month_total(member: Member, period: date) -> Decimal:
    """DESIGN.md's rules for one member and period, one follower at a time."""
    terms = terms_in_force(all_plan_terms(), period)
    sponsor = dict(Member.objects.values_list("id", "sponsor_id"))
    paid = dict(Payment.objects.filter(paid=True, period=period).values_list("member_id", "amount"))
    total = Decimal("0.00")
    own = paid.get(member.pk)
    if not (terms.earner_must_be_active and own is None):
        for follower in sponsor:
            node, level = sponsor[follower], 1
            while node is not None and node != member.pk:
                node, level = sponsor[node], level + 1
            if node == member.pk and level <= terms.levels and follower in paid:
                total += money(terms.rates[level - 1] * paid[follower])
    if own is not None and sponsor[member.pk] is not None:
        total += money(terms.referred_rate * own)
    return total
