"""The safety net's comparison: the maintained figures of a period against the figures
computed the way statements did before they were kept (over the downline), to the row.

A difference is (member id, level, amount in cents or None for the follower count,
expected, found). Reads only; bonuses.services.figures_check records and repairs.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from bonuses.models import MAX_LEVELS, DownlineCount, DownlineVolume, Member

from .common import downline_level_counts


@dataclass
class Comparison:
    period: date
    members: int  # members whose figures were compared
    sample: bool
    differences: list[tuple] = field(default_factory=list)


def _as_figures(rows) -> dict[tuple[int, int | None], int]:
    """{(level, None): followers, (level, cents): paid followers} from statement rows."""
    figures: dict[tuple[int, int | None], int] = defaultdict(int)
    for level, cents, count in rows:
        figures[level, None] += count
        if cents is not None:
            figures[level, cents] += count
    return {key: value for key, value in figures.items() if value}


def _diff(member_id: int, expected: dict, found: dict) -> list[tuple]:
    return [
        (member_id, level, cents, expected.get((level, cents), 0), found.get((level, cents), 0))
        for level, cents in sorted(set(expected) | set(found), key=lambda k: (k[0], k[1] or -1))
        if expected.get((level, cents), 0) != found.get((level, cents), 0)
    ]


def _kept(member: Member, period: date) -> dict[tuple[int, int | None], int]:
    """The member's maintained rows as {(level, None): followers, (level, cents): paid}."""
    kept = {
        (level, None): n
        for level, n in DownlineCount.objects.filter(earner=member).values_list(
            "level", "followers"
        )
    }
    kept.update(
        ((level, int(cents)), n)
        for level, cents, n in DownlineVolume.objects.filter(
            earner=member, period=period
        ).values_list("level", "cents", "paid")
    )
    return {key: value for key, value in kept.items() if value}


def compare_members(*, period: date, members: list[Member]) -> Comparison:
    """Compare the given members' figures of open `period`: three queries a member (the
    nightly sample; a page never calls this)."""
    result = Comparison(period=period, members=len(members), sample=True)
    for member in members:
        expected = _as_figures(downline_level_counts(member, period, MAX_LEVELS))
        found = _kept(member, period)
        result.differences += _diff(member.pk, expected, found)
    return result


def sample_members(size: int) -> list[Member]:
    """`size` members at random, and the member with the largest first level (whose
    figures carry the most)."""
    chosen = list(Member.objects.order_by("?").only("id", "path", "depth")[:size])
    top = Member.objects.order_by("-numchild").only("id", "path", "depth").first()
    if top is not None and top.pk not in {m.pk for m in chosen}:
        chosen.append(top)
    return chosen


def compare_all(*, period: date) -> Comparison:
    """Compare every member's figures of open `period`: one streamed walk of the tree in
    path order (the close's) against every maintained row. Memory grows with the club
    (about 1 GB a million members): a command for staff, not for a page."""
    from bonuses.services.close import _walk

    expected_counts: dict[tuple[int, int], int] = defaultdict(int)
    expected_paid: dict[tuple[int, int, int], int] = defaultdict(int)
    ids: list[int] = []
    members = 0
    for member_id, depth, cents in _walk(period):
        members += 1
        del ids[depth - 1 :]
        ids.append(member_id)
        for k in range(1, min(MAX_LEVELS, depth - 1) + 1):
            earner = ids[depth - 1 - k]
            expected_counts[earner, k] += 1
            if cents is not None:
                expected_paid[earner, k, int(cents)] += 1
    q = connection.ops.quote_name
    found_counts: dict[tuple[int, int], int] = {}
    found_paid: dict[tuple[int, int, int], int] = {}
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT earner_id, level, followers FROM {q(DownlineCount._meta.db_table)} "
            f"WHERE followers <> 0"
        )
        while rows := cursor.fetchmany(20_000):
            for earner, level, count in rows:
                found_counts[earner, level] = count
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            f"SELECT earner_id, level, cents, paid FROM {q(DownlineVolume._meta.db_table)} "
            f"WHERE period = %s AND paid <> 0",
            [period],
        )
        while rows := cursor.fetchmany(20_000):
            for earner, level, cents, count in rows:
                found_paid[earner, level, int(cents)] = count
    result = Comparison(period=period, members=members, sample=False)
    for key in sorted(set(expected_counts) | set(found_counts)):
        want, got = expected_counts.get(key, 0), found_counts.get(key, 0)
        if want != got:
            result.differences.append((key[0], key[1], None, want, got))
    for key in sorted(set(expected_paid) | set(found_paid)):
        want, got = expected_paid.get(key, 0), found_paid.get(key, 0)
        if want != got:
            result.differences.append((*key, want, got))
    return result
