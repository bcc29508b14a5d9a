"""Upkeep of the maintained per-member figures (bonuses.models.downline, docs/statements.md).

Every service that changes a payment of an open month or the tree calls one of these in
its own transaction, so the figures are exact whenever that transaction commits:

- a payment marked paid or unpaid, or its amount changed: `figures_payments_changed`,
  one upsert over the payers' ancestors (at most MAX_LEVELS rows a payer);
- a member enrolled, moved with their subtree, or deleted: `figures_attach` /
  `figures_detach`. A member's own rows describe their subtree level by level, so the
  subtree's weight on the ancestors above it is read from those rows (and the member's
  own payments) and added to or taken from the ancestors' rows in one statement per
  table, whatever the size of the subtree;
- members loaded in bulk (imports, seed_demo): `figures_add_members`, and a full
  `figures_rebuild` (the safety net's repair): one INSERT ... SELECT per level, the
  ancestor found by the prefix of the follower's path.

Only open periods are maintained: a closed month's rows stay as the close read them.
Callers hold the tree lock (shared for payments and enrolments, exclusive for moves and
bulk loads) so that paths cannot change under these statements. Every statement is an
INSERT ... ON CONFLICT DO UPDATE that PostgreSQL and SQLite both run; rows are written
in key order so that concurrent upserts on shared ancestors take their row locks in the
same order.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection

from bonuses.models import MAX_LEVELS, DownlineCount, DownlineVolume, Member, MonthClose, Payment

from .first_paid import first_paid_fill, first_paid_refresh

CHUNK = 2_000  # value rows per statement: SQLite allows 32 766 parameters


def _q(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _tables():
    return _q(Member), _q(Payment), _q(DownlineCount), _q(DownlineVolume), _q(MonthClose)


def _open_periods(column: str) -> str:
    return f"{column} NOT IN (SELECT period FROM {_q(MonthClose)})"


def _levels_values() -> str:
    return "(VALUES " + ", ".join(f"({k})" for k in range(1, MAX_LEVELS + 1)) + ")"


def _ancestor_paths(path: str, depth: int) -> list[str]:
    """Paths of the ancestors at distance 1..MAX_LEVELS above a member at `path`."""
    steps = Member.steplen
    return [path[: steps * (depth - k)] for k in range(1, min(MAX_LEVELS, depth - 1) + 1)]


def figures_payments_changed(
    *, period: date, changes: Iterable[tuple[int, int | None, int | None]]
) -> None:
    """Payments of open month `period` changed: (member id, cents before, cents after),
    cents None when not paid. Updates each payer's ancestors' volume rows in one upsert
    (chunked past CHUNK payers). The caller holds the tree lock and the payments' rows."""
    deltas: dict[tuple[int, int], int] = defaultdict(int)
    for member_id, before, after in changes:
        if before == after:
            continue
        if before is not None:
            deltas[member_id, before] -= 1
        if after is not None:
            deltas[member_id, after] += 1
    rows = sorted((m, c, d) for (m, c), d in deltas.items() if d)
    # A payment paid or unpaid may move its payer's first paid month (the funnel's).
    first_paid_refresh(
        member_ids=[m for m, before, after in changes if (before is None) != (after is None)]
    )
    if not rows:
        return
    members, _payments, _counts, volumes, _closes = _tables()
    day = connection.ops.adapt_datefield_value(period)
    steps = Member.steplen
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {volumes} (earner_id, period, level, cents, paid) "
                f"SELECT a.id, %s, lv.column1, d.column2, SUM(d.column3) "
                f"FROM (VALUES {values}) d "
                f"JOIN {members} x ON x.id = d.column1 "
                f"JOIN {_levels_values()} lv ON lv.column1 < x.depth "
                f"JOIN {members} a ON a.path = SUBSTR(x.path, 1, (x.depth - lv.column1) * {steps}) "
                f"WHERE 1 = 1 GROUP BY a.id, lv.column1, d.column2 "
                f"ORDER BY a.id, lv.column1, d.column2 "
                f"ON CONFLICT (earner_id, period, level, cents) "
                f"DO UPDATE SET paid = {volumes}.paid + EXCLUDED.paid",
                [day, *(value for row in chunk for value in row)],
            )


def _shift(member: Member, sign: int, *, volumes: bool = True) -> None:
    """Add (sign 1) or take away (sign -1) `member`'s subtree from the rows of the
    ancestors above `member.path` (as it is now in the database)."""
    ancestors = _ancestor_paths(member.path, member.depth)
    if not ancestors:
        return
    members, payments, counts, volume_table, _closes = _tables()
    marks = ", ".join(["%s"] * len(ancestors))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {counts} (earner_id, level, followers) "
            f"SELECT a.id, v.lv + (%s - a.depth), %s * v.n "
            f"FROM (SELECT level AS lv, followers AS n FROM {counts} "
            f"WHERE earner_id = %s AND level < %s AND followers <> 0 "
            f"UNION ALL SELECT 0, 1) v "
            f"CROSS JOIN {members} a "
            f"WHERE a.path IN ({marks}) AND v.lv + (%s - a.depth) <= %s "
            f"ORDER BY 1, 2 "
            f"ON CONFLICT (earner_id, level) "
            f"DO UPDATE SET followers = {counts}.followers + EXCLUDED.followers",
            [member.depth, sign, member.pk, MAX_LEVELS, *ancestors, member.depth, MAX_LEVELS],
        )
        if not volumes:
            return
        cursor.execute(
            f"INSERT INTO {volume_table} (earner_id, period, level, cents, paid) "
            f"SELECT a.id, v.period, v.lv + (%s - a.depth), v.cents, %s * v.n "
            f"FROM (SELECT period, level AS lv, cents, paid AS n FROM {volume_table} "
            f"WHERE earner_id = %s AND level < %s AND paid <> 0 AND {_open_periods('period')} "
            f"UNION ALL SELECT period, 0, CAST(ROUND(amount * 100) AS BIGINT), 1 "
            f"FROM {payments} WHERE member_id = %s AND paid = %s "
            f"AND {_open_periods('period')}) v "
            f"CROSS JOIN {members} a "
            f"WHERE a.path IN ({marks}) AND v.lv + (%s - a.depth) <= %s "
            f"ORDER BY 1, 2, 3, 4 "
            f"ON CONFLICT (earner_id, period, level, cents) "
            f"DO UPDATE SET paid = {volume_table}.paid + EXCLUDED.paid",
            [
                member.depth,
                sign,
                member.pk,
                MAX_LEVELS,
                member.pk,
                True,
                *ancestors,
                member.depth,
                MAX_LEVELS,
            ],  # fmt: skip
        )


def figures_attach(*, member: Member, new: bool = False) -> None:
    """`member` (with their subtree) now hangs at `member.path`: add them to the rows of
    their ancestors. `new`: a member just enrolled (no payments, no followers yet), which
    only counts. Call with the tree locked and `member` read after the move."""
    _shift(member, 1, volumes=not new)


def figures_detach(*, member: Member) -> None:
    """`member` (with their subtree) is about to leave `member.path` (a move or a
    deletion): take them out of the rows of their ancestors. Call with the tree locked
    exclusive, before the move, with `member` read under that lock."""
    _shift(member, -1)


def _fill(
    *,
    since_id: int | None = None,
    period: date | None = None,
    counts: bool = True,
    volumes: bool = True,
) -> None:
    """Add the weight of members (all, or those with id >= since_id) to their ancestors'
    rows: one INSERT ... SELECT per level and table. Volumes of `period` only, or of
    every open period."""
    members, payments, count_table, volume_table, _closes = _tables()
    steps = Member.steplen
    who = "AND x.id >= %s" if since_id is not None else ""
    who_params = [since_id] if since_id is not None else []
    if period is not None:
        when, when_params = "AND p.period = %s", [connection.ops.adapt_datefield_value(period)]
    else:
        when, when_params = f"AND {_open_periods('p.period')}", []
    with connection.cursor() as cursor:
        for k in range(1, MAX_LEVELS + 1):
            ancestor = f"a.path = SUBSTR(x.path, 1, (x.depth - {k}) * {steps})"
            if counts:
                cursor.execute(
                    f"INSERT INTO {count_table} (earner_id, level, followers) "
                    f"SELECT a.id, {k}, COUNT(*) FROM {members} x JOIN {members} a "
                    f"ON {ancestor} WHERE x.depth > {k} {who} GROUP BY a.id ORDER BY a.id "
                    f"ON CONFLICT (earner_id, level) "
                    f"DO UPDATE SET followers = {count_table}.followers + EXCLUDED.followers",
                    who_params,
                )
            if not volumes:
                continue
            cursor.execute(
                f"INSERT INTO {volume_table} (earner_id, period, level, cents, paid) "
                f"SELECT a.id, p.period, {k}, CAST(ROUND(p.amount * 100) AS BIGINT), COUNT(*) "
                f"FROM {payments} p JOIN {members} x ON x.id = p.member_id "
                f"JOIN {members} a ON {ancestor} "
                f"WHERE p.paid = %s AND x.depth > {k} {who} {when} "
                f"GROUP BY 1, 2, 4 ORDER BY 1, 2, 4 "
                f"ON CONFLICT (earner_id, period, level, cents) "
                f"DO UPDATE SET paid = {volume_table}.paid + EXCLUDED.paid",
                [True, *who_params, *when_params],
            )


def figures_add_members(*, since_id: int) -> None:
    """Members with id >= since_id were just loaded in bulk (with their payments), each
    under an ancestor chain already in the database: add their weight to their
    ancestors' rows, set-based, and their first paid months. Callers hold the tree lock
    exclusive."""
    _fill(since_id=since_id)
    first_paid_fill(since_id=since_id)


def figures_rebuild(*, period: date | None = None, counts: bool = True) -> None:
    """Recompute the figures from the tree and the payments, set-based: the volumes of
    `period` (a closed period's too, as the close would read it now) or of every open
    period, and with `counts` the follower counts. The safety net's repair; takes the
    tree lock exclusive, so nothing changes under it."""
    from .locks import lock_tree_exclusive

    lock_tree_exclusive()
    if counts:
        DownlineCount.objects.all().delete()
        _fill(counts=True, volumes=False)
    if period is None:
        DownlineVolume.objects.exclude(period__in=MonthClose.objects.values("period")).delete()
    else:
        DownlineVolume.objects.filter(period=period).delete()
    _fill(period=period, counts=False)


def figures_check(*, period: date | None = None, sample: int | None = None, repair: bool = False):
    """The safety net: compare the maintained figures of open `period` (default: this
    month) with the figures computed over the downline, for every member or a random
    `sample` of them; with `repair`, rebuild the period (and the counts) set-based when
    anything differs. Records and returns a FiguresCheck; its `details` hold the first
    differences as [member id, level, cents or null for followers, expected, found].
    Raises ValueError for a closed period (its rows are what the close read)."""
    import time

    from django.db import transaction

    from bonuses.models import FiguresCheck
    from bonuses.selectors.figures_check import compare_all, compare_members, sample_members
    from core.periods import current_period, period_of

    started = time.monotonic()
    period = period_of(period) if period else current_period()
    if MonthClose.objects.filter(period=period).exists():
        raise ValueError("a closed month's figures are what its close read; check open months")
    with transaction.atomic():
        if sample is not None:
            comparison = compare_members(period=period, members=sample_members(sample))
        else:
            comparison = compare_all(period=period)
        repaired = False
        if repair and comparison.differences:
            figures_rebuild(period=period, counts=True)
            first_paid_fill()  # the funnel's first paid months, recomputed with them
            repaired = True
        return FiguresCheck.objects.create(
            period=period,
            members=comparison.members,
            sample=comparison.sample,
            differences=len(comparison.differences),
            repaired=repaired,
            details=[list(d) for d in comparison.differences[:50]],
            duration_ms=int((time.monotonic() - started) * 1000),
        )
